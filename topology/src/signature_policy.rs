//! Fabric's signature-policy language (`AND('A.peer', OutOf(1, 'B.peer', 'C.peer'))`)
//! compiled to the form a channel configuration holds it in, as `configtxlator
//! proto_decode` writes a `SignaturePolicyEnvelope`: what a member's host needs to set the
//! Application group's `LifecycleEndorsement` and `Endorsement` in a configuration update
//! without `configtxgen`, which would read every organisation's MSP folder.
//!
//! The envelope is the one Fabric's `policydsl.FromString` builds (read in Fabric's
//! `common/policydsl/policyparser.go`): `AND` is an n-out-of-n gate and `OR` a 1-out-of-n,
//! each principal is an identity of its own (no deduplication), and identities are
//! numbered as Fabric's parser evaluates the expression: a gate's nested gates first, in
//! order, then its own principals, in order.

use serde_json::{json, Value};

use crate::TopologyError;

/// A parsed policy: a gate over principals and other gates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// `'MSP.role'`.
    Principal {
        /// The MSP ID.
        msp_id: String,
        /// `PEER`, `MEMBER`, `ADMIN`, `CLIENT` or `ORDERER` (`MSPRole.MSPRoleType`).
        role: &'static str,
    },
    /// `OutOf(n, …)`; `AND(…)` is n-out-of-all, `OR(…)` 1-out-of-all.
    OutOf {
        /// How many of `rules` must be satisfied.
        n: usize,
        /// The gate's arguments.
        rules: Vec<Rule>,
    },
}

/// Parses a policy in Fabric's signature-policy language.
pub fn parse(policy: &str) -> Result<Rule, TopologyError> {
    let mut parser = Parser { text: policy, at: 0 };
    let rule = parser.rule()?;
    parser.skip_space();
    if parser.at != policy.len() {
        return Err(parser.error("text after the policy's end"));
    }
    match rule {
        Rule::OutOf { .. } => Ok(rule),
        Rule::Principal { .. } => Err(parser.error("a policy is a gate (AND, OR, OutOf), not a lone principal")),
    }
}

/// The policy as a configuration's `ConfigPolicy.policy` in configtxlator's JSON:
/// `{"type": 1, "value": {identities, rule, version}}`.
pub fn config_json(policy: &str) -> Result<Value, TopologyError> {
    let rule = parse(policy)?;
    let mut identities = Vec::new();
    let compiled = compile(&rule, &mut identities);
    Ok(json!({ "type": 1, "value": { "identities": identities, "rule": compiled, "version": 0 } }))
}

/// A gate's rule with its principals numbered as Fabric numbers them: nested gates first.
fn compile(rule: &Rule, identities: &mut Vec<Value>) -> Value {
    match rule {
        Rule::Principal { msp_id, role } => {
            identities.push(json!({
                "principal": { "msp_identifier": msp_id, "role": role },
                "principal_classification": "ROLE"
            }));
            json!({ "signed_by": identities.len() - 1 })
        }
        Rule::OutOf { n, rules } => {
            let mut compiled: Vec<Option<Value>> =
                rules.iter().map(|r| matches!(r, Rule::OutOf { .. }).then(|| compile(r, identities))).collect();
            for (slot, r) in compiled.iter_mut().zip(rules) {
                if slot.is_none() {
                    *slot = Some(compile(r, identities));
                }
            }
            json!({ "n_out_of": { "n": n, "rules": compiled.into_iter().flatten().collect::<Vec<_>>() } })
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> TopologyError {
        TopologyError::Invalid {
            origin: "an endorsement policy".into(),
            field: format!("{:?} at character {}", self.text, self.at),
            message: message.into(),
        }
    }

    fn skip_space(&mut self) {
        while self.text[self.at..].starts_with(char::is_whitespace) {
            self.at += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_space();
        if self.text[self.at..].starts_with(c) {
            self.at += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn word(&mut self) -> &str {
        self.skip_space();
        let rest = &self.text[self.at..];
        let len = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
        self.at += len;
        &rest[..len]
    }

    fn rule(&mut self) -> Result<Rule, TopologyError> {
        if self.eat('\'') {
            return self.principal();
        }
        let gate = self.word().to_owned();
        if !self.eat('(') {
            return Err(self.error("expected a gate (AND, OR, OutOf) or a quoted principal 'MSP.role'"));
        }
        let mut n = None;
        if gate.eq_ignore_ascii_case("outof") {
            let digits = self.word();
            n = Some(digits.parse::<usize>().map_err(|_| self.error("OutOf's first argument is a number"))?);
            if !self.eat(',') {
                return Err(self.error("expected ',' after OutOf's number"));
            }
        } else if !gate.eq_ignore_ascii_case("and") && !gate.eq_ignore_ascii_case("or") {
            return Err(self.error("unknown gate (AND, OR, OutOf)"));
        }
        let mut rules = vec![self.rule()?];
        while self.eat(',') {
            rules.push(self.rule()?);
        }
        if !self.eat(')') {
            return Err(self.error("expected ',' or ')'"));
        }
        let n = match n {
            Some(n) if n > rules.len() => return Err(self.error("OutOf asks for more than it lists")),
            Some(n) => n,
            None if gate.eq_ignore_ascii_case("and") => rules.len(),
            None => 1,
        };
        Ok(Rule::OutOf { n, rules })
    }

    fn principal(&mut self) -> Result<Rule, TopologyError> {
        let rest = &self.text[self.at..];
        let Some(end) = rest.find('\'') else { return Err(self.error("unterminated principal")) };
        let quoted = &rest[..end];
        let Some((msp_id, role)) = quoted.rsplit_once('.') else {
            return Err(self.error("a principal is 'MSP.role'"));
        };
        let role = match role {
            "peer" => "PEER",
            "member" => "MEMBER",
            "admin" => "ADMIN",
            "client" => "CLIENT",
            "orderer" => "ORDERER",
            _ => return Err(self.error("a principal's role is peer, member, admin, client or orderer")),
        };
        if msp_id.is_empty() {
            return Err(self.error("a principal names an MSP ID"));
        }
        self.at += end + 1;
        Ok(Rule::Principal { msp_id: msp_id.to_owned(), role })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(msp: &str, n: usize) -> (Value, Value) {
        (
            json!({"principal": {"msp_identifier": msp, "role": "PEER"}, "principal_classification": "ROLE"}),
            json!({"signed_by": n}),
        )
    }

    /// As a running channel's configuration holds them (configtxgen's output, decoded by
    /// configtxlator, on a network of the sample consortium).
    #[test]
    fn compiles_as_fabric_does_the_sample_policies() {
        let lifecycle = config_json("OutOf(2,'ManufacturerMSP.peer','CertifierMSP.peer','RegulatorMSP.peer')").unwrap();
        let fabric: Value = serde_json::from_str(
            r#"{"type":1,"value":{"identities":[{"principal":{"msp_identifier":"ManufacturerMSP","role":"PEER"},"principal_classification":"ROLE"},{"principal":{"msp_identifier":"CertifierMSP","role":"PEER"},"principal_classification":"ROLE"},{"principal":{"msp_identifier":"RegulatorMSP","role":"PEER"},"principal_classification":"ROLE"}],"rule":{"n_out_of":{"n":2,"rules":[{"signed_by":0},{"signed_by":1},{"signed_by":2}]}},"version":0}}"#,
        )
        .unwrap();
        assert_eq!(lifecycle, fabric);
        // The nested gate's principals are numbered before the outer gate's own.
        let endorsement =
            config_json("AND('RegulatorMSP.peer',OutOf(1,'ManufacturerMSP.peer','CertifierMSP.peer'))").unwrap();
        let fabric: Value = serde_json::from_str(
            r#"{"type":1,"value":{"identities":[{"principal":{"msp_identifier":"ManufacturerMSP","role":"PEER"},"principal_classification":"ROLE"},{"principal":{"msp_identifier":"CertifierMSP","role":"PEER"},"principal_classification":"ROLE"},{"principal":{"msp_identifier":"RegulatorMSP","role":"PEER"},"principal_classification":"ROLE"}],"rule":{"n_out_of":{"n":2,"rules":[{"signed_by":2},{"n_out_of":{"n":1,"rules":[{"signed_by":0},{"signed_by":1}]}}]}},"version":0}}"#,
        )
        .unwrap();
        assert_eq!(endorsement, fabric);
    }

    #[test]
    fn or_is_one_of_and_every_principal_is_an_identity_of_its_own() {
        let v = config_json(" OR( 'A.peer' , AND('B.peer','A.peer') ) ").unwrap();
        let (a, a0) = principal("A", 0);
        let (b, _) = principal("B", 0);
        assert_eq!(v["value"]["identities"], json!([b, a.clone(), a]));
        assert_eq!(
            v["value"]["rule"],
            json!({"n_out_of": {"n": 1, "rules": [{"signed_by": 2}, {"n_out_of": {"n": 2, "rules": [a0, {"signed_by": 1}]}}]}})
        );
        assert_eq!(config_json("OR('A.admin')").unwrap()["value"]["identities"][0]["principal"]["role"], "ADMIN");
    }

    #[test]
    fn refuses_what_fabric_would_not_compile() {
        for bad in [
            "'A.peer'",
            "OutOf(3,'A.peer','B.peer')",
            "AND('A.peer'",
            "XOR('A.peer')",
            "AND('A.boss')",
            "AND('Apeer')",
            "AND('A.peer') x",
            "OutOf(x,'A.peer')",
            "AND('.peer')",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
