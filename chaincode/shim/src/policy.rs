//! Key-level endorsement policies: who must endorse a transaction that writes a key.
//!
//! An [`EndorsementPolicy`] is Fabric's `SignaturePolicy`: the signature of one
//! [`Principal`] (a role of an organisation), or at least `n` of several rules. Fabric's
//! `statebased` package builds only "every one of these organisations"
//! ([`EndorsementPolicy::all_of`]); a qualified majority — "the governing regulator's
//! peer and a majority of the organisations that run peers" — needs a rule nested in a
//! rule ([`EndorsementPolicy::out_of`]).
//!
//! [`EndorsementPolicy::is_satisfied_by`] evaluates a policy as Fabric's `cauthdsl`
//! does: rules in order, each endorsement counted for at most one principal.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Role a signature in an endorsement policy must come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyRole {
    /// Any member of the organisation (its peers included).
    Member,
    /// A peer of the organisation.
    Peer,
}

impl PolicyRole {
    /// The role's name in Fabric's policy notation (`'Org1MSP.peer'`).
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyRole::Member => "member",
            PolicyRole::Peer => "peer",
        }
    }
}

/// A role of an organisation: what a policy names, and what an endorsement is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Principal {
    /// The organisation's MSP ID.
    pub msp_id: String,
    /// The role.
    pub role: PolicyRole,
}

impl Principal {
    /// A peer of `msp_id`.
    pub fn peer(msp_id: impl Into<String>) -> Self {
        Principal { msp_id: msp_id.into(), role: PolicyRole::Peer }
    }

    /// Whether an endorsement by `endorser` is a signature this principal asks for: the
    /// same organisation, and a peer for a `Peer` principal (a peer is also a member).
    pub fn is_met_by(&self, endorser: &Principal) -> bool {
        self.msp_id == endorser.msp_id && (self.role == PolicyRole::Member || endorser.role == PolicyRole::Peer)
    }
}

impl std::fmt::Display for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "'{}.{}'", self.msp_id, self.role.as_str())
    }
}

/// Why a policy is not one a ledger can enforce.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    /// A rule asks for more signatures than it lists rules, or for none.
    #[error("OutOf({n}, …) over {rules} rules can never be met or is always met")]
    Threshold {
        /// The rule's threshold.
        n: u32,
        /// How many rules it lists.
        rules: usize,
    },
    /// An organisation's MSP ID is empty.
    #[error("a principal names no organisation")]
    EmptyMspId,
}

/// A key-level endorsement policy (Fabric's `SignaturePolicy`).
///
/// Stored by the embedded ledgers as JSON. A policy of the `statebased` form ("a `role` of
/// each of these organisations") keeps the shape earlier versions stored,
/// `{"orgs":[…],"role":"peer"}`, so that every stored policy reads back and encodes to the
/// same bytes; any other is `{"rule": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "StoredPolicy", into = "StoredPolicy")]
pub enum EndorsementPolicy {
    /// The signature of this principal.
    SignedBy(Principal),
    /// The signatures that satisfy at least `n` of `rules`.
    OutOf {
        /// How many rules must be satisfied.
        n: u32,
        /// The rules, evaluated in order.
        rules: Vec<EndorsementPolicy>,
    },
}

impl EndorsementPolicy {
    /// One signature from a `role` of each of `orgs`: the policy Fabric's `statebased`
    /// package builds (MSP IDs sorted and de-duplicated, all of them required).
    pub fn all_of<I, S>(orgs: I, role: PolicyRole) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let orgs: BTreeSet<String> = orgs.into_iter().map(Into::into).collect();
        let rules: Vec<EndorsementPolicy> =
            orgs.into_iter().map(|msp_id| EndorsementPolicy::SignedBy(Principal { msp_id, role })).collect();
        EndorsementPolicy::OutOf { n: rules.len() as u32, rules }
    }

    /// A peer of `msp_id` (`AND('<msp_id>.peer')`).
    pub fn peer_of(msp_id: impl Into<String>) -> Self {
        Self::all_of([msp_id.into()], PolicyRole::Peer)
    }

    /// A qualified majority: a peer of `governing` and a majority of the organisations
    /// that run peers, `governing` counted among them (`AND('G.peer', OutOf(k, …))` with
    /// `k` = ⌊N/2⌋ of the `others`, N organisations in all). Without others, `governing`'s
    /// peer alone. No coalition without the governing organisation meets it, nor one of
    /// fewer than a majority.
    pub fn qualified_majority<I, S>(governing: &str, others: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let others: BTreeSet<String> = others.into_iter().map(Into::into).filter(|o: &String| o != governing).collect();
        if others.is_empty() {
            return Self::peer_of(governing);
        }
        // N organisations in all; the governing one and k = N/2 others are a majority.
        let all = others.len() + 1;
        let k = all / 2;
        let rules = others.into_iter().map(|o| EndorsementPolicy::SignedBy(Principal::peer(o))).collect();
        EndorsementPolicy::out_of(
            2,
            vec![EndorsementPolicy::SignedBy(Principal::peer(governing)), EndorsementPolicy::out_of(k as u32, rules)],
        )
    }

    /// At least `n` of `rules`.
    pub fn out_of(n: u32, rules: Vec<EndorsementPolicy>) -> Self {
        EndorsementPolicy::OutOf { n, rules }
    }

    /// The `statebased` form's organisations and role, when the policy has that form: one
    /// `role` of each of several organisations, all required.
    pub fn as_all_of(&self) -> Option<(Vec<&str>, PolicyRole)> {
        let EndorsementPolicy::OutOf { n, rules } = self else { return None };
        if *n as usize != rules.len() {
            return None;
        }
        let mut role = None;
        let mut orgs = Vec::with_capacity(rules.len());
        for rule in rules {
            let EndorsementPolicy::SignedBy(p) = rule else { return None };
            if role.is_some_and(|r| r != p.role) {
                return None;
            }
            role = Some(p.role);
            orgs.push(p.msp_id.as_str());
        }
        Some((orgs, role.unwrap_or(PolicyRole::Member)))
    }

    /// Every organisation the policy names.
    pub fn organizations(&self) -> BTreeSet<&str> {
        let mut orgs = BTreeSet::new();
        self.visit(&mut |p| {
            orgs.insert(p.msp_id.as_str());
        });
        orgs
    }

    fn visit<'a>(&'a self, f: &mut impl FnMut(&'a Principal)) {
        match self {
            EndorsementPolicy::SignedBy(p) => f(p),
            EndorsementPolicy::OutOf { rules, .. } => rules.iter().for_each(|r| r.visit(f)),
        }
    }

    /// Whether the policy is one a ledger can enforce: every threshold between 1 and its
    /// number of rules, every MSP ID non-empty.
    pub fn validate(&self) -> Result<(), PolicyError> {
        match self {
            EndorsementPolicy::SignedBy(p) if p.msp_id.is_empty() => Err(PolicyError::EmptyMspId),
            EndorsementPolicy::SignedBy(_) => Ok(()),
            EndorsementPolicy::OutOf { n, rules } => {
                if *n == 0 || *n as usize > rules.len() {
                    return Err(PolicyError::Threshold { n: *n, rules: rules.len() });
                }
                rules.iter().try_for_each(EndorsementPolicy::validate)
            }
        }
    }

    /// Whether `endorsements` satisfy the policy, evaluated as Fabric's `cauthdsl` does:
    /// rules in order, and each endorsement counts for at most one principal (an
    /// organisation named twice needs two of its endorsements).
    pub fn is_satisfied_by(&self, endorsements: &[Principal]) -> bool {
        let mut used = vec![false; endorsements.len()];
        self.evaluate(endorsements, &mut used)
    }

    fn evaluate(&self, endorsements: &[Principal], used: &mut [bool]) -> bool {
        match self {
            EndorsementPolicy::SignedBy(principal) => {
                for (i, endorser) in endorsements.iter().enumerate() {
                    if !used[i] && principal.is_met_by(endorser) {
                        used[i] = true;
                        return true;
                    }
                }
                false
            }
            EndorsementPolicy::OutOf { n, rules } => {
                let mut verified = 0u32;
                let mut scratch = used.to_vec();
                for rule in rules {
                    scratch.copy_from_slice(used);
                    if rule.evaluate(endorsements, &mut scratch) {
                        verified += 1;
                        used.copy_from_slice(&scratch);
                    }
                }
                verified >= *n
            }
        }
    }

    /// The embedded ledgers' rule. One machine runs the contract once, for every
    /// organisation, and has no separate peer identities (a `Peer` principal is met by any
    /// member).
    ///
    /// - A policy that binds a key to its owners (the `statebased` form, or one
    ///   principal: the issuing body of `AND('CertifierMSP.peer')`, a manufacturer's SDS
    ///   record) needs each of them to be the submitting organisation: the contract never
    ///   lets another organisation's transaction write what it owns.
    /// - Any other policy (a threshold: a governance key's qualified majority) is
    ///   evaluated against a peer of every organisation it names, as Fabric's gateway
    ///   gathers endorsements from honest peers that all run this same contract. On one
    ///   machine no coalition exists to be kept out; on Fabric the same policy keeps one
    ///   out ([`Self::is_satisfied_by`]).
    pub fn is_endorsed_on_one_machine_by(&self, submitter_msp: &str) -> bool {
        if let EndorsementPolicy::SignedBy(p) = self {
            return p.msp_id == submitter_msp;
        }
        if let Some((orgs, _)) = self.as_all_of() {
            return orgs.iter().all(|org| *org == submitter_msp);
        }
        let endorsements: Vec<Principal> = self.organizations().into_iter().map(Principal::peer).collect();
        self.is_satisfied_by(&endorsements)
    }
}

impl std::fmt::Display for EndorsementPolicy {
    /// Fabric's policy notation, e.g. `AND('RegulatorMSP.peer', OutOf(2, 'A.peer', 'B.peer', 'C.peer'))`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EndorsementPolicy::SignedBy(p) => write!(f, "{p}"),
            EndorsementPolicy::OutOf { n, rules } => {
                let inner: Vec<String> = rules.iter().map(ToString::to_string).collect();
                if *n as usize == rules.len() {
                    write!(f, "AND({})", inner.join(", "))
                } else if *n == 1 {
                    write!(f, "OR({})", inner.join(", "))
                } else {
                    write!(f, "OutOf({n}, {})", inner.join(", "))
                }
            }
        }
    }
}

/// The stored (JSON) shapes of a policy.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum StoredPolicy {
    /// The `statebased` form, as every earlier version stored it.
    AllOf { orgs: Vec<String>, role: PolicyRole },
    /// Any other rule.
    Rule { rule: StoredRule },
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StoredRule {
    SignedBy(Principal),
    OutOf { n: u32, rules: Vec<StoredRule> },
}

impl From<StoredRule> for EndorsementPolicy {
    fn from(rule: StoredRule) -> Self {
        match rule {
            StoredRule::SignedBy(p) => EndorsementPolicy::SignedBy(p),
            StoredRule::OutOf { n, rules } => {
                EndorsementPolicy::OutOf { n, rules: rules.into_iter().map(EndorsementPolicy::from).collect() }
            }
        }
    }
}

impl From<&EndorsementPolicy> for StoredRule {
    fn from(policy: &EndorsementPolicy) -> Self {
        match policy {
            EndorsementPolicy::SignedBy(p) => StoredRule::SignedBy(p.clone()),
            EndorsementPolicy::OutOf { n, rules } => {
                StoredRule::OutOf { n: *n, rules: rules.iter().map(StoredRule::from).collect() }
            }
        }
    }
}

impl TryFrom<StoredPolicy> for EndorsementPolicy {
    type Error = PolicyError;

    fn try_from(stored: StoredPolicy) -> Result<Self, PolicyError> {
        let policy = match stored {
            StoredPolicy::AllOf { orgs, role } => {
                // As stored: the order and duplicates of earlier versions' lists are kept.
                let rules: Vec<EndorsementPolicy> =
                    orgs.into_iter().map(|msp_id| EndorsementPolicy::SignedBy(Principal { msp_id, role })).collect();
                if rules.is_empty() {
                    // An empty list required nobody: kept as it was read.
                    return Ok(EndorsementPolicy::OutOf { n: 0, rules });
                }
                EndorsementPolicy::OutOf { n: rules.len() as u32, rules }
            }
            StoredPolicy::Rule { rule } => EndorsementPolicy::from(rule),
        };
        policy.validate()?;
        Ok(policy)
    }
}

impl From<EndorsementPolicy> for StoredPolicy {
    fn from(policy: EndorsementPolicy) -> Self {
        match policy.as_all_of() {
            Some((orgs, role)) => StoredPolicy::AllOf { orgs: orgs.into_iter().map(str::to_owned).collect(), role },
            None => StoredPolicy::Rule { rule: StoredRule::from(&policy) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn governance(regulator: &str, others: &[&str], k: u32) -> EndorsementPolicy {
        EndorsementPolicy::out_of(
            2,
            vec![
                EndorsementPolicy::SignedBy(Principal::peer(regulator)),
                EndorsementPolicy::out_of(
                    k,
                    others.iter().map(|o| EndorsementPolicy::SignedBy(Principal::peer(*o))).collect(),
                ),
            ],
        )
    }

    fn peers(orgs: &[&str]) -> Vec<Principal> {
        orgs.iter().map(|o| Principal::peer(*o)).collect()
    }

    #[test]
    fn all_of_is_the_statebased_form_and_keeps_the_stored_shape() {
        let p = EndorsementPolicy::all_of(["B", "A", "B"], PolicyRole::Peer);
        assert_eq!(p.to_string(), "AND('A.peer', 'B.peer')");
        let json = serde_json::to_string(&p).expect("json");
        assert_eq!(json, r#"{"orgs":["A","B"],"role":"peer"}"#);
        assert_eq!(serde_json::from_str::<EndorsementPolicy>(&json).expect("back"), p);
        assert!(p.is_satisfied_by(&peers(&["B", "A"])));
        assert!(!p.is_satisfied_by(&peers(&["A", "C"])));
    }

    #[test]
    fn a_qualified_majority_needs_the_regulator_and_k_others() {
        let p = governance("R", &["A", "B", "C", "D"], 2);
        assert_eq!(p.to_string(), "AND('R.peer', OutOf(2, 'A.peer', 'B.peer', 'C.peer', 'D.peer'))");
        assert!(p.is_satisfied_by(&peers(&["A", "R", "C"])));
        assert!(!p.is_satisfied_by(&peers(&["A", "B", "C", "D"])), "without the regulator");
        assert!(!p.is_satisfied_by(&peers(&["R", "A"])), "one other is not a majority");
        assert!(!p.is_satisfied_by(&peers(&["R", "A", "A"])), "the same organisation twice is still one other");
        let json = serde_json::to_string(&p).expect("json");
        assert!(json.starts_with(r#"{"rule":{"out_of""#), "{json}");
        assert_eq!(serde_json::from_str::<EndorsementPolicy>(&json).expect("back"), p);
    }

    #[test]
    fn a_qualified_majority_grows_with_the_consortium() {
        let q = |others: &[&str]| EndorsementPolicy::qualified_majority("R", others.iter().copied()).to_string();
        assert_eq!(q(&[]), "AND('R.peer')");
        assert_eq!(q(&["A"]), "AND('R.peer', AND('A.peer'))");
        assert_eq!(q(&["B", "A"]), "AND('R.peer', OR('A.peer', 'B.peer'))");
        assert_eq!(q(&["A", "B", "C"]), "AND('R.peer', OutOf(2, 'A.peer', 'B.peer', 'C.peer'))");
        assert_eq!(q(&["A", "B", "C", "D"]), "AND('R.peer', OutOf(2, 'A.peer', 'B.peer', 'C.peer', 'D.peer'))");
        assert_eq!(
            q(&["R", "A", "B", "C", "D", "E"]),
            "AND('R.peer', OutOf(3, 'A.peer', 'B.peer', 'C.peer', 'D.peer', 'E.peer'))"
        );
        // Every size: the governing organisation and its majority, never two others alone.
        for n in 0..30usize {
            let others: Vec<String> = (0..n).map(|i| format!("O{i}")).collect();
            let p = EndorsementPolicy::qualified_majority("R", others.iter().cloned());
            let all = n + 1;
            let majority = all / 2 + 1;
            let mut with_r = peers(&["R"]);
            with_r.extend(others.iter().take(majority - 1).map(|o| Principal::peer(o.as_str())));
            assert!(p.is_satisfied_by(&with_r), "{n}: the regulator and a majority");
            let all_others: Vec<Principal> = others.iter().map(|o| Principal::peer(o.as_str())).collect();
            assert!(!p.is_satisfied_by(&all_others), "{n}: every other organisation without the regulator");
            if majority >= 2 {
                with_r.pop();
                assert!(!p.is_satisfied_by(&with_r), "{n}: one short of a majority");
            }
        }
    }

    #[test]
    fn each_endorsement_counts_once() {
        // OutOf(2, 'A.member', 'A.peer'): one peer of A meets either principal, not both.
        let a = |role| EndorsementPolicy::SignedBy(Principal { msp_id: "A".into(), role });
        let p = EndorsementPolicy::out_of(2, vec![a(PolicyRole::Member), a(PolicyRole::Peer)]);
        assert!(!p.is_satisfied_by(&peers(&["A"])));
        assert!(p.is_satisfied_by(&peers(&["A", "A"])));
        // A member is not a peer.
        let member = Principal { msp_id: "A".into(), role: PolicyRole::Member };
        assert!(!EndorsementPolicy::peer_of("A").is_satisfied_by(&[member]));
    }

    #[test]
    fn one_machine_binds_owners_and_gathers_thresholds() {
        let p = governance("R", &["A", "B"], 1);
        assert!(p.is_endorsed_on_one_machine_by("R"));
        assert!(p.is_endorsed_on_one_machine_by("A"), "the honest peers are gathered");
        let twice = EndorsementPolicy::out_of(2, vec![governance("R", &["A"], 1), governance("R", &["A"], 1)]);
        assert!(!twice.is_endorsed_on_one_machine_by("R"), "one peer per organisation is gathered");
        assert!(EndorsementPolicy::peer_of("A").is_endorsed_on_one_machine_by("A"));
        assert!(!EndorsementPolicy::SignedBy(Principal::peer("A")).is_endorsed_on_one_machine_by("B"));
        assert!(!EndorsementPolicy::peer_of("A").is_endorsed_on_one_machine_by("B"));
        assert!(!EndorsementPolicy::all_of(["A", "B"], PolicyRole::Peer).is_endorsed_on_one_machine_by("A"));
    }

    #[test]
    fn refuses_thresholds_that_cannot_hold() {
        let bad = r#"{"rule":{"out_of":{"n":3,"rules":[{"signed_by":{"msp_id":"A","role":"peer"}}]}}}"#;
        let err = serde_json::from_str::<EndorsementPolicy>(bad).expect_err("refused");
        assert!(err.to_string().contains("OutOf(3, …) over 1 rules"), "{err}");
    }
}
