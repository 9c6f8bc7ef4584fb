//! Version order as vendors number their releases: `15.2(7)E3` < `15.2(7)E10`, `17.9.4` <
//! `17.9.4a`, `21.4R3` < `21.4R3-S5`, `10.2.9` < `10.2.9-h1` < `10.2.10`.

use std::cmp::Ordering;

/// One run of a version string: a number, or a run of letters (lower-cased).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Num(u64),
    Word(String),
}

/// A version split into the parts that order it. Separators (`.`, `(`, `)`, `-`, `,`, spaces)
/// only separate: vendors are not consistent enough with them for them to carry order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    parts: Vec<Part>,
}

impl Version {
    /// Parse a version as a device prints it; `None` when it holds no number at all (then no
    /// floor can be judged, and the device's verdict is `unknown_version`).
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim();
        // FortiOS prints `v7.2.5`; a leading `v` is a prefix, not a release letter.
        let text = text
            .strip_prefix(['v', 'V'])
            .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
            .unwrap_or(text);
        let mut parts = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_digit() {
                let mut n: u64 = 0;
                while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                    n = n.saturating_mul(10).saturating_add(u64::from(d));
                    chars.next();
                }
                parts.push(Part::Num(n));
            } else if c.is_alphabetic() {
                let mut w = String::new();
                while let Some(&c) = chars.peek().filter(|c| c.is_alphabetic()) {
                    w.extend(c.to_lowercase());
                    chars.next();
                }
                parts.push(Part::Word(w));
            } else {
                chars.next();
            }
        }
        parts
            .iter()
            .any(|p| matches!(p, Part::Num(_)))
            .then_some(Version { parts })
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        for (a, b) in self.parts.iter().zip(&other.parts) {
            let o = match (a, b) {
                (Part::Num(x), Part::Num(y)) => x.cmp(y),
                (Part::Word(x), Part::Word(y)) => x.cmp(y),
                // `4.28.3M` < `4.28.3.1M`: where one goes on with a number and the other with
                // a release letter, the number is the later maintenance release.
                (Part::Num(_), Part::Word(_)) => Ordering::Greater,
                (Part::Word(_), Part::Num(_)) => Ordering::Less,
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        // A version that goes on where the other ends is a later build of it: `17.9.4a`,
        // `21.4R3-S5`, `10.2.9-h1`.
        self.parts.len().cmp(&other.parts.len())
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compare two version strings; `None` when either has no number in it.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    Some(Version::parse(a)?.cmp(&Version::parse(b)?))
}

#[cfg(test)]
mod tests {
    use super::compare;
    use std::cmp::Ordering::{Equal, Greater, Less};

    /// Each pair as the vendor's release notes order them: the first is older.
    const OLDER_NEWER: &[(&str, &str)] = &[
        // IOS: rebuild numbers after the train letters count as numbers.
        ("15.2(7)E3", "15.2(7)E10"),
        ("12.2(55)SE12", "15.0(2)SE11"),
        ("15.2(4)E10", "15.2(7)E3"),
        // IOS-XE: a letter after the maintenance number is a later rebuild.
        ("17.9.4", "17.9.4a"),
        ("17.9.4a", "17.9.5"),
        ("16.12.10a", "17.3.1"),
        ("03.06.08E", "03.06.09E"),
        // NX-OS
        ("9.3(9)", "9.3(10)"),
        ("7.0(3)I7(9)", "7.0(3)I7(10)"),
        ("9.3(10)", "10.2(5)"),
        // IOS-XR
        ("7.5.2", "7.5.10"),
        ("6.9.2", "7.5.2"),
        // Junos: service releases after the release.
        ("21.4R3", "21.4R3-S5"),
        ("21.4R3-S5", "21.4R3-S10"),
        ("21.4R3-S5", "22.2R1"),
        ("18.4R2-S4.3", "18.4R3"),
        // EOS
        ("4.28.3M", "4.28.3.1M"),
        ("4.28.3M", "4.29.2F"),
        ("4.9.0", "4.10.0"),
        // PAN-OS: hotfixes after the maintenance release, before the next one.
        ("10.2.9", "10.2.9-h1"),
        ("10.2.9-h1", "10.2.9-h11"),
        ("10.2.9-h11", "10.2.10"),
        // FortiOS, with and without the `v` and the build.
        ("v7.0.12", "7.2.5"),
        ("v7.2.5,build1517", "v7.2.6,build1575"),
        // Huawei VRP
        ("V200R019C10SPC800", "V200R020C10SPC100"),
        ("V200R019C10SPC500", "V200R019C10SPC800"),
        // ProCurve, RouterOS
        ("WC.16.10.0009", "WC.16.11.0002"),
        ("6.49.7", "7.12.1"),
    ];

    #[test]
    fn versions_order_as_their_vendors_number_them() {
        for (old, new) in OLDER_NEWER {
            assert_eq!(compare(old, new), Some(Less), "{old} < {new}");
            assert_eq!(compare(new, old), Some(Greater), "{new} > {old}");
            assert_eq!(compare(old, old), Some(Equal), "{old} = {old}");
        }
    }

    #[test]
    fn case_and_a_leading_v_do_not_change_the_order() {
        assert_eq!(compare("V7.2.5", "7.2.5"), Some(Equal));
        assert_eq!(compare("4.28.3m", "4.28.3M"), Some(Equal));
    }

    #[test]
    fn a_version_without_a_number_cannot_be_judged() {
        assert_eq!(compare("unknown", "15.2(7)E3"), None);
        assert_eq!(compare("", "1"), None);
        assert_eq!(compare("1", "n/a"), None);
    }

    #[test]
    fn huge_numbers_saturate_instead_of_panicking() {
        let big = "9".repeat(400);
        assert_eq!(compare(&big, &big), Some(Equal));
        assert_eq!(compare("1", &big), Some(Less));
    }
}
