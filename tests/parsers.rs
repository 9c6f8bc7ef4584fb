//! Fixture-driven specification of the version parsers and of platform autodetection.
//!
//! Every `tests/fixtures/<platform>/NAME.txt` must parse to exactly `NAME.json`, and `detect`
//! must name `<platform>` from the text alone. Parsers and `detect` never panic, whatever
//! they are fed.

use netinv::platform::{detect, Platform};
use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

struct Fixture {
    platform: Platform,
    path: PathBuf,
    text: String,
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    for platform in Platform::ALL {
        let dir = fixtures_dir().join(platform.name());
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            out.push(Fixture {
                platform,
                path,
                text,
            });
        }
    }
    out
}

#[test]
fn every_platform_has_at_least_four_fixtures() {
    let all = fixtures();
    for p in Platform::ALL {
        let n = all.iter().filter(|f| f.platform == p).count();
        assert!(n >= 4, "{} has {n} fixtures, want at least 4", p.name());
    }
}

#[test]
fn every_fixture_parses_to_exactly_its_expected_json() {
    let mut failures = Vec::new();
    for f in fixtures() {
        let json_path = f.path.with_extension("json");
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(&json_path)
                .unwrap_or_else(|e| panic!("{}: {e}", json_path.display())),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", json_path.display()));
        let got = serde_json::to_value(f.platform.parse(&f.text)).expect("facts serialise");
        if got != expected {
            failures.push(format!(
                "{}\n  expected: {expected}\n  got:      {got}",
                f.path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn detect_names_the_platform_of_every_fixture() {
    let mut failures = Vec::new();
    for f in fixtures() {
        let got = detect(&f.text);
        if got != Some(f.platform) {
            failures.push(format!(
                "{}: detected {got:?}, want {}",
                f.path.display(),
                f.platform.name()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_fixture_yields_some_fact_from_its_text() {
    // A guard against fixtures whose expectation silently became "nothing found".
    for f in fixtures() {
        let facts = f.platform.parse(&f.text);
        let found = [
            &facts.version,
            &facts.model,
            &facts.serial,
            &facts.hostname,
            &facts.uptime,
            &facts.image,
        ]
        .iter()
        .filter(|v| v.is_some())
        .count();
        assert!(found >= 1, "{}: no facts", f.path.display());
        assert!(facts.vendor.is_some() && facts.os.is_some());
    }
}

#[test]
fn detect_works_on_a_login_banner_and_prompt_where_they_are_distinctive() {
    let cases = [
        ("<HUAWEI-CORE-01>", Platform::Huawei),
        (
            "\nMikroTik RouterOS 6.48.6 (c) 1999-2021\n[admin@gw-01] > ",
            Platform::MikrotikRouteros,
        ),
        ("{master:0}\nnetops@ex-vc-01> ", Platform::JuniperJunos),
        ("admin@PA-3220(active)> ", Platform::PaloaltoPanos),
        (
            "Last login: Mon Mar  1 10:00:00 2021\nops@web-01:~$ ",
            Platform::Linux,
        ),
    ];
    for (text, want) in cases {
        assert_eq!(detect(text), Some(want), "{text:?}");
    }
}

#[test]
fn cisco_xe_output_is_reported_as_ios_xe_even_through_the_ios_parser() {
    for f in fixtures()
        .iter()
        .filter(|f| f.platform == Platform::CiscoXe)
    {
        let facts = Platform::CiscoIos.parse(&f.text);
        assert_eq!(facts.os.as_deref(), Some("IOS-XE"), "{}", f.path.display());
    }
}

fn all_texts() -> Vec<String> {
    fixtures().into_iter().map(|f| f.text).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_parser_panics_on_arbitrary_text(s in "\\PC*") {
        for p in Platform::ALL {
            let _ = p.parse(&s);
        }
        let _ = detect(&s);
    }

    #[test]
    fn no_parser_panics_on_arbitrary_lines_of_likely_tokens(
        lines in prop::collection::vec(
            "(Switch|Version|uptime is|fpc0:|re1:|-----|\\*|Model|Serial|:|\\(|\\)|\\[|\\]|\"| |\t|\r|\x1b\\[|\x08|[0-9]|[A-Za-z]){0,40}",
            0..40,
        )
    ) {
        let s = lines.join("\n");
        for p in Platform::ALL {
            let _ = p.parse(&s);
        }
        let _ = detect(&s);
    }

    #[test]
    fn no_parser_panics_on_truncated_or_mutated_fixtures(
        pick in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..16),
    ) {
        let texts = all_texts();
        let mut bytes = texts[pick.index(texts.len())].clone().into_bytes();
        let keep = cut.index(bytes.len() + 1);
        bytes.truncate(keep);
        for (at, b) in edits {
            if !bytes.is_empty() {
                let i = at.index(bytes.len());
                bytes[i] = b;
            }
        }
        let s = String::from_utf8_lossy(&bytes);
        for p in Platform::ALL {
            let _ = p.parse(&s);
        }
        let _ = detect(&s);
    }
}
