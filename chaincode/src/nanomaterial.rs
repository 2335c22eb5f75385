//! The EU definition of a nanomaterial (Commission Recommendation 2022/C 229/01),
//! applied to the data a manufacturer declares.
//!
//! A material is a nanomaterial when 50 % or more of its particles by number have at
//! least one external dimension in the range 1–100 nm. However, a material with a
//! volume-specific surface area (VSSA) below 6 m²/cm³ shall not be considered a
//! nanomaterial, whatever its number size distribution.
//!
//! The assessment is deterministic: plain `f64` comparisons and numbers printed with a
//! fixed number of decimals, so every peer endorses the same bytes.

use nanotrace_model::{Nanomaterial, NanomaterialAssessment};

/// The rule an assessment applies.
pub const RULE: &str = "EU 2022/C 229/01";

/// Share of particles by number, in percent, at or above which a material is a
/// nanomaterial.
pub const NUMBER_THRESHOLD_PERCENT: f64 = 50.0;

/// VSSA, in m²/cm³, below which a material is not a nanomaterial.
pub const VSSA_THRESHOLD_M2_PER_CM3: f64 = 6.0;

/// Most decimals tried when a rounded number would appear on the wrong side of a
/// threshold.
const MAX_DECIMALS: usize = 6;

/// Formats `value` with at least `min_decimals` decimals, adding decimals when rounding
/// would show it on the other side of `threshold` than it really is (49.96 % is shown
/// as "49.96", never as "50.0"). Falls back to the exact shortest representation.
fn show(value: f64, threshold: f64, min_decimals: usize) -> String {
    let at_or_above = value >= threshold;
    for decimals in min_decimals..=MAX_DECIMALS.max(min_decimals) {
        let shown = format!("{value:.decimals$}");
        if shown.parse::<f64>().is_ok_and(|v| (v >= threshold) == at_or_above) {
            return shown;
        }
    }
    format!("{value}")
}

/// Applies the EU definition to the declared particle size distribution and VSSA.
pub fn assess(n: &Nanomaterial) -> NanomaterialAssessment {
    let fraction = n.particle_size.fraction_1_100nm;
    let vssa = n.vssa_m2_per_cm3;
    let percent = fraction * 100.0;

    let (is_nanomaterial, basis) = if !percent.is_finite() || !vssa.is_finite() {
        (
            false,
            format!(
                "the declared data are not finite numbers (fraction in 1–100 nm {fraction}, VSSA {vssa} m²/cm³): \
                 cannot be assessed as a nanomaterial"
            ),
        )
    } else if vssa < VSSA_THRESHOLD_M2_PER_CM3 {
        (
            false,
            format!(
                "VSSA {} m²/cm³ is below 6 m²/cm³: not a nanomaterial, whatever its size distribution \
                 ({} % of particles by number in 1–100 nm)",
                show(vssa, VSSA_THRESHOLD_M2_PER_CM3, 1),
                show(percent, NUMBER_THRESHOLD_PERCENT, 1),
            ),
        )
    } else if percent >= NUMBER_THRESHOLD_PERCENT {
        (
            true,
            format!(
                "{} % of particles by number are in 1–100 nm (threshold 50 %) and VSSA {} m²/cm³ is not below \
                 6 m²/cm³: a nanomaterial",
                show(percent, NUMBER_THRESHOLD_PERCENT, 1),
                show(vssa, VSSA_THRESHOLD_M2_PER_CM3, 1),
            ),
        )
    } else {
        (
            false,
            format!(
                "{} % of particles by number are in 1–100 nm, below the 50 % threshold: not a nanomaterial",
                show(percent, NUMBER_THRESHOLD_PERCENT, 1),
            ),
        )
    };

    NanomaterialAssessment { is_nanomaterial, basis, rule: RULE.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nanotrace_model::{ParticleSizeDistribution, Shape};

    fn material(fraction: f64, vssa: f64) -> Nanomaterial {
        Nanomaterial {
            substance_name: "Titanium dioxide".to_owned(),
            cas_number: "13463-67-7".to_owned(),
            ec_number: Some("236-675-5".to_owned()),
            particle_size: ParticleSizeDistribution {
                d10_nm: 18.0,
                d50_nm: 35.0,
                d90_nm: 80.0,
                fraction_1_100nm: fraction,
            },
            shape: Shape::Rod,
            surface_treatment: String::new(),
            vssa_m2_per_cm3: vssa,
        }
    }

    #[test]
    fn clear_nanomaterial() {
        let a = assess(&material(0.62, 210.0));
        assert!(a.is_nanomaterial);
        assert_eq!(a.rule, RULE);
        assert_eq!(
            a.basis,
            "62.0 % of particles by number are in 1–100 nm (threshold 50 %) and VSSA 210.0 m²/cm³ is not below \
             6 m²/cm³: a nanomaterial"
        );
    }

    #[test]
    fn exactly_fifty_percent_is_a_nanomaterial() {
        let a = assess(&material(0.5, 60.0));
        assert!(a.is_nanomaterial, "{}", a.basis);
        assert!(a.basis.starts_with("50.0 % "), "{}", a.basis);
    }

    #[test]
    fn just_below_fifty_percent_is_not() {
        let a = assess(&material(0.499, 60.0));
        assert!(!a.is_nanomaterial);
        assert_eq!(
            a.basis,
            "49.9 % of particles by number are in 1–100 nm, below the 50 % threshold: not a nanomaterial"
        );
        assert_eq!(a.rule, RULE);
    }

    #[test]
    fn rounding_never_shows_the_wrong_side() {
        let a = assess(&material(0.49996, 60.0));
        assert!(!a.is_nanomaterial);
        assert!(a.basis.starts_with("49.996 % "), "{}", a.basis);
        let a = assess(&material(0.4999999999, 60.0));
        assert!(!a.is_nanomaterial);
        assert!(!a.basis.starts_with("50"), "{}", a.basis);
        let a = assess(&material(0.9, 5.9999));
        assert!(!a.is_nanomaterial);
        assert!(a.basis.starts_with("VSSA 5.9999 m²/cm³"), "{}", a.basis);
    }

    #[test]
    fn low_vssa_overrides_a_high_fraction() {
        let a = assess(&material(0.95, 5.99));
        assert!(!a.is_nanomaterial);
        assert_eq!(
            a.basis,
            "VSSA 5.99 m²/cm³ is below 6 m²/cm³: not a nanomaterial, whatever its size distribution \
             (95.0 % of particles by number in 1–100 nm)"
        );
        let a = assess(&material(1.0, 4.2));
        assert!(!a.is_nanomaterial);
        assert!(a.basis.starts_with("VSSA 4.2 m²/cm³ is below 6 m²/cm³: not a nanomaterial"), "{}", a.basis);
    }

    #[test]
    fn vssa_of_exactly_six_does_not_override() {
        let a = assess(&material(0.95, 6.0));
        assert!(a.is_nanomaterial, "{}", a.basis);
        assert!(a.basis.contains("VSSA 6.0 m²/cm³ is not below 6 m²/cm³"), "{}", a.basis);
    }

    #[test]
    fn high_vssa_does_not_make_a_nanomaterial() {
        // A VSSA of 6 or more is no proof: the number size distribution decides.
        let a = assess(&material(0.3, 500.0));
        assert!(!a.is_nanomaterial);
        assert!(a.basis.starts_with("30.0 % "), "{}", a.basis);
    }

    #[test]
    fn low_vssa_and_low_fraction() {
        let a = assess(&material(0.1, 2.0));
        assert!(!a.is_nanomaterial);
        assert!(a.basis.starts_with("VSSA 2.0 m²/cm³"), "{}", a.basis);
    }

    #[test]
    fn extremes() {
        assert!(assess(&material(1.0, 10_000.0)).is_nanomaterial);
        assert!(!assess(&material(0.0, 10_000.0)).is_nanomaterial);
    }

    #[test]
    fn non_finite_data_is_not_assessed_as_nanomaterial() {
        for (fraction, vssa) in [(f64::NAN, 60.0), (0.9, f64::NAN), (f64::INFINITY, 60.0), (0.9, f64::INFINITY)] {
            let a = assess(&material(fraction, vssa));
            assert!(!a.is_nanomaterial);
            assert!(a.basis.contains("cannot be assessed"), "{}", a.basis);
            assert_eq!(a.rule, RULE);
        }
    }

    #[test]
    fn deterministic() {
        let m = material(0.731, 42.42);
        assert_eq!(assess(&m), assess(&m));
        assert_eq!(
            assess(&m).basis,
            "73.1 % of particles by number are in 1–100 nm (threshold 50 %) and VSSA 42.4 m²/cm³ is not below \
             6 m²/cm³: a nanomaterial"
        );
    }
}
