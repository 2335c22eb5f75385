//! The certificate contract as a [`Chaincode`]: what the CCaaS runtime serves to Fabric
//! peers (the `nanotrace-chaincode` binary) and what the shim-level fuzz targets drive.

use crate::CertificateContract;
use nanotrace_shim::{Chaincode, ChaincodeError, Stub};

/// The NanoTrace certificate contract as a [`Chaincode`]: a contract error's `Display`
/// (`UNAUTHORIZED: ...`, `NOT_FOUND: ...`) becomes the error message.
#[derive(Debug, Default, Clone, Copy)]
pub struct CertificateChaincode(pub CertificateContract);

impl Chaincode for CertificateChaincode {
    fn invoke(&self, stub: &mut dyn Stub, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ChaincodeError> {
        self.0.invoke(stub, function, args).map_err(|e| ChaincodeError::new(e.to_string()))
    }
}
