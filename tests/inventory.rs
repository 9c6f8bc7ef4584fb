//! The inventory reader's contract: what a CSV row becomes, and how every problem is named.

use netinv::inventory::{decode, parse_with, read, read_path, Device, Inventory, Options};
use netinv::platform::{Platform, PlatformChoice};
use proptest::prelude::*;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

fn inv(text: &str) -> Inventory {
    read(text.as_bytes(), "t.csv")
}

/// Problems as `FILE:LINE: column: message`, without the fix (`with_fixes` has it): most
/// tests are about what is wrong; every problem's fix is checked on its own.
fn rendered(inv: &Inventory) -> Vec<String> {
    inv.problems
        .iter()
        .map(|p| {
            let mut p = p.clone();
            p.fix = None;
            p.to_string()
        })
        .collect()
}

/// Problems exactly as netinv prints them.
fn with_fixes(inv: &Inventory) -> Vec<String> {
    inv.problems.iter().map(|p| p.to_string()).collect()
}

fn device<'a>(inv: &'a Inventory, name: &str) -> &'a Device {
    inv.devices
        .iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("no device {name} in {inv:#?}"))
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/inventory")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// A directory under the system temp dir, removed when the test ends (pass or fail).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "netinv-inventory-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).expect("write temp file");
        path.to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_host_column_alone_is_enough_and_the_name_defaults_to_the_host() {
    let inv = inv("host\n10.0.0.1\nsw1.example.net\n");
    assert_eq!(rendered(&inv), Vec::<String>::new());
    assert_eq!(inv.source, "t.csv");
    assert_eq!(
        inv.devices,
        vec![
            Device {
                line: 2,
                name: "10.0.0.1".into(),
                host: "10.0.0.1".into(),
                port: None,
                platform: PlatformChoice::Detect,
                username: None,
                password: None,
                secret: None,
                legacy: None,
                jump: None,
                fields: vec![],
            },
            Device {
                line: 3,
                name: "sw1.example.net".into(),
                host: "sw1.example.net".into(),
                port: None,
                platform: PlatformChoice::Detect,
                username: None,
                password: None,
                secret: None,
                legacy: None,
                jump: None,
                fields: vec![],
            },
        ]
    );
}

#[test]
fn header_names_are_case_insensitive_and_trimmed() {
    let inv = inv(" HOST , Name,PORT ,PlatForm,UserName\n10.0.0.1,r1,2222,Cisco_IOS,admin\n");
    assert_eq!(rendered(&inv), Vec::<String>::new());
    let d = device(&inv, "r1");
    assert_eq!(d.host, "10.0.0.1");
    assert_eq!(d.port, Some(2222));
    assert_eq!(d.platform, PlatformChoice::Known(Platform::CiscoIos));
    assert_eq!(d.username.as_deref(), Some("admin"));
    assert!(d.fields.is_empty(), "known columns are not extra fields");
}

#[test]
fn port_and_username_are_per_row_overrides_and_empty_means_the_shared_one() {
    let inv = inv("host,name,port,username\n10.0.0.1,a,2222,ops\n10.0.0.2,b,,\n");
    assert_eq!(rendered(&inv), Vec::<String>::new());
    assert_eq!(device(&inv, "a").port, Some(2222));
    assert_eq!(device(&inv, "a").username.as_deref(), Some("ops"));
    assert_eq!(device(&inv, "b").port, None);
    assert_eq!(device(&inv, "b").username, None);
}

#[test]
fn password_and_secret_columns_are_row_credentials_and_never_extra_fields() {
    let inv = inv("host,name,username,Password,SECRET,site\n\
         10.0.0.1,a,ops,pw-a,en-a,Berlin\n\
         10.0.0.2,b,,,,Paris\n");
    assert_eq!(rendered(&inv), Vec::<String>::new());
    let a = device(&inv, "a");
    assert_eq!(a.password.as_ref().map(|s| s.expose()), Some("pw-a"));
    assert_eq!(a.secret.as_ref().map(|s| s.expose()), Some("en-a"));
    assert_eq!(a.fields, vec![("site".into(), "Berlin".to_string())]);
    let b = device(&inv, "b");
    assert_eq!(b.password, None, "empty means the shared password");
    assert_eq!(b.secret, None);
    assert!(!format!("{inv:?}").contains("pw-a"), "Debug hides them");
}

#[test]
fn a_bad_byte_in_a_password_is_reported_without_quoting_the_password() {
    // The UTF-8 'ü' makes the lone \xff a bad byte rather than Windows-1252.
    let inv = read(
        &b"host,password,site\n10.0.0.1,hunter\xff2,Z\xc3\xbcrich\n"[..],
        "t.csv",
    );
    let problems = rendered(&inv);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("t.csv:2: password: "),
        "{problems:?}"
    );
    assert!(!problems[0].contains("hunter"), "{problems:?}");
}

#[test]
fn extra_columns_are_carried_through_untouched_in_header_order() {
    let inv = inv("site,host,Role,name,tags\nBerlin,10.0.0.1,core,r1,a;b c\n");
    assert_eq!(rendered(&inv), Vec::<String>::new());
    assert_eq!(
        device(&inv, "r1").fields,
        vec![
            ("site".into(), "Berlin".to_string()),
            ("Role".into(), "core".to_string()),
            ("tags".into(), "a;b c".to_string()),
        ]
    );
}

#[test]
fn values_are_trimmed_around_but_not_inside() {
    // Trimming applies to quoted values too: the csv layer cannot tell them apart, and
    // surrounding spaces are never meaningful in an inventory.
    let inv = inv("host,name,note\n  10.0.0.1 ,  r 1  ,\"  two  words  \"\n");
    assert_eq!(rendered(&inv), Vec::<String>::new());
    let d = device(&inv, "r 1");
    assert_eq!(d.host, "10.0.0.1");
    assert_eq!(d.fields, vec![("note".into(), "two  words".into())]);
}

#[test]
fn quoted_fields_may_hold_commas_quotes_and_newlines() {
    let inv = inv("host,name,note\n10.0.0.1,r1,\"Berlin, DE\"\n10.0.0.2,r2,\"say \"\"hi\"\"\"\n10.0.0.3,r3,\"two\nlines\"\n");
    assert_eq!(rendered(&inv), Vec::<String>::new());
    assert_eq!(device(&inv, "r1").fields[0].1, "Berlin, DE");
    assert_eq!(device(&inv, "r2").fields[0].1, "say \"hi\"");
    assert_eq!(device(&inv, "r3").fields[0].1, "two\nlines");
}

#[test]
fn lines_are_counted_past_blank_lines_comments_and_multi_line_fields() {
    let text =
        "# fleet\n\nhost,note\n\n10.0.0.1,\"a\nb\nc\"\n# between\n   \n,,\n10.0.0.2,x\n\n\n,\n";
    let inv = inv(text);
    assert_eq!(rendered(&inv), Vec::<String>::new());
    let lines: Vec<(usize, &str)> = inv
        .devices
        .iter()
        .map(|d| (d.line, d.host.as_str()))
        .collect();
    assert_eq!(lines, vec![(5, "10.0.0.1"), (11, "10.0.0.2")]);
}

#[test]
fn crlf_line_endings_work_and_keep_line_numbers_right() {
    let inv =
        inv("# c\r\nhost,name,note\r\n\r\n10.0.0.1,r1,a\r\n10.0.0.2,r2,\"x\r\ny\"\r\n,r3,\r\n");
    let lines: Vec<(usize, &str)> = inv
        .devices
        .iter()
        .map(|d| (d.line, d.name.as_str()))
        .collect();
    assert_eq!(lines, vec![(4, "r1"), (5, "r2")]);
    assert_eq!(device(&inv, "r2").fields[0].1, "x\r\ny");
    assert_eq!(rendered(&inv), vec!["t.csv:7: host: host is empty"]);
}

#[test]
fn old_mac_cr_only_line_endings_count_as_lines_too() {
    let inv = inv("# old Mac\rhost,name\r10.0.0.1,r1\r\r# comment\r10.0.0.2,\"r\r2\"\r,r3\r");
    assert_eq!(device(&inv, "r1").line, 3);
    assert_eq!(
        rendered(&inv),
        vec![
            "t.csv:6: name: 'r\\n2' contains the control character '\\n'",
            "t.csv:8: host: host is empty",
        ]
    );
}

#[test]
fn a_utf8_bom_is_ignored_even_before_a_comment() {
    let inv = inv("\u{feff}host,name\n10.0.0.1,r1\n");
    assert_eq!(rendered(&inv), Vec::<String>::new());
    assert_eq!(device(&inv, "r1").line, 2);
    let inv = self::inv("\u{feff}# comment\nHost\n10.0.0.1\n");
    assert_eq!(rendered(&inv), Vec::<String>::new());
    assert_eq!(inv.devices[0].line, 3);
}

#[test]
fn platforms_are_netmiko_names_or_aliases_and_empty_or_autodetect_means_detect() {
    let inv =
        inv("host,platform\na1,juniper_junos\na2,JUNOS\na3,\na4,AutoDetect\na5,paloalto_panos\n");
    assert_eq!(rendered(&inv), Vec::<String>::new());
    let got: Vec<PlatformChoice> = inv.devices.iter().map(|d| d.platform).collect();
    assert_eq!(
        got,
        vec![
            PlatformChoice::Known(Platform::JuniperJunos),
            PlatformChoice::Known(Platform::JuniperJunos),
            PlatformChoice::Detect,
            PlatformChoice::Detect,
            PlatformChoice::Known(Platform::PaloaltoPanos),
        ]
    );
}

#[test]
fn an_empty_file_is_a_problem_on_line_1() {
    for text in ["", "\n\n", "# only a comment\n\n# another\n", "\u{feff}"] {
        let inv = inv(text);
        assert!(inv.devices.is_empty());
        assert_eq!(
            rendered(&inv),
            vec!["t.csv:1: empty inventory: no header row (a 'host' column is required)"],
            "for {text:?}"
        );
    }
}

#[test]
fn a_header_without_host_is_a_problem_on_the_header_line() {
    let inv = inv("# comment\n\nname,mgmt\nr1,10.0.0.1\n");
    assert!(inv.devices.is_empty());
    assert_eq!(
        with_fixes(&inv),
        vec![
            "t.csv:3: no 'host' column in the header row (columns found: 'name', 'mgmt') \
             (fix: name the column with the address to connect to `host` (or `ip`, `mgmt_ip`, \
             `IPv4 Address`), or map it with --columns host=COLUMN; the first row that is \
             not blank or a comment must name the columns)"
        ]
    );
}

#[test]
fn a_missing_header_is_caught_because_the_first_row_has_no_host_column() {
    let inv = inv("10.0.0.1,r1\n10.0.0.2,r2\n");
    assert!(inv.devices.is_empty());
    assert_eq!(inv.problems.len(), 1);
    assert_eq!(inv.problems[0].line, 1);
    assert!(inv.problems[0].message.contains("'10.0.0.1', 'r1'"));
}

#[test]
fn a_duplicate_header_column_is_a_problem_and_no_row_becomes_a_device() {
    let inv = inv("host,site,Site\n10.0.0.1,a,b\n,a,b\n");
    assert!(inv.devices.is_empty(), "{:?}", inv.devices);
    assert_eq!(
        rendered(&inv),
        vec![
            "t.csv:1: Site: duplicate column (columns 2 and 3; names are case-insensitive)",
            // Rows are still judged, so one run lists every problem.
            "t.csv:3: host: host is empty",
        ]
    );
}

#[test]
fn an_empty_host_is_a_problem_naming_file_line_and_column() {
    let inv = inv("host,name\n10.0.0.1,r1\n ,r2\n");
    assert_eq!(rendered(&inv), vec!["t.csv:3: host: host is empty"]);
    assert_eq!(inv.devices.len(), 1, "the good row stays");
}

#[test]
fn hosts_must_be_ip_addresses_or_plausible_dns_names() {
    let good = [
        "10.0.0.1",
        "::1",
        "2001:db8::1",
        "fe80::1:2",
        "sw1",
        "SW-01.Example.NET.",
        "core_sw1.lab",
        "1e100.net",
    ];
    for host in good {
        let inv = inv(&format!("host\n{host}\n"));
        assert_eq!(
            rendered(&inv),
            Vec::<String>::new(),
            "{host} should be accepted"
        );
    }
    let bad = [
        ("sw 1", "it contains whitespace"),
        ("10.0.0.1:22", "a port goes in the 'port' column"),
        ("sw1:ssh", "':' is only allowed in an IPv6 address"),
        (
            "10.0.0.256",
            "digits and dots only, but not a valid IPv4 address",
        ),
        (
            "10.0.0",
            "digits and dots only, but not a valid IPv4 address",
        ),
        ("a..b", "it has an empty label ('..' or a leading dot)"),
        (".a", "it has an empty label ('..' or a leading dot)"),
        ("-a.b", "a label starts or ends with '-'"),
        ("a-.b", "a label starts or ends with '-'"),
        ("sw/1", "illegal character '/'"),
        ("rüter.de", "illegal character 'ü'"),
        ("ssh://sw1", "':' is only allowed in an IPv6 address"),
    ];
    for (host, why) in bad {
        let inv = inv(&format!("host\n\"{host}\"\n"));
        assert!(inv.devices.is_empty(), "{host} should be refused");
        assert_eq!(
            rendered(&inv),
            vec![format!(
                "t.csv:2: host: host '{host}' is not an IP address or DNS name: {why}"
            )]
        );
    }
    let long_label = "a".repeat(64);
    assert!(inv(&format!("host\n{long_label}.net\n")).problems[0]
        .message
        .contains("longer than 63"));
    let long_name = ["abcdefghi"; 26].join(".");
    assert!(inv(&format!("host\n{long_name}\n")).problems[0]
        .message
        .contains("longer than 253"));
}

#[test]
fn a_port_that_is_not_a_number_in_1_to_65535_is_a_problem_that_quotes_it() {
    let inv = inv("host,name,port\nh,a,1\nh,b,65535\nh,c,0\nh,d,65536\nh,e,abc\nh,f,-1\nh,g,22.0\nh,h,99999999999999999999\n");
    let ok: Vec<(&str, Option<u16>)> = inv
        .devices
        .iter()
        .map(|d| (d.name.as_str(), d.port))
        .collect();
    assert_eq!(ok, vec![("a", Some(1)), ("b", Some(65535))]);
    assert_eq!(
        rendered(&inv),
        vec![
            "t.csv:4: port: port '0' is out of range (1-65535)",
            "t.csv:5: port: port '65536' is out of range (1-65535)",
            "t.csv:6: port: port 'abc' is not a number (1-65535)",
            "t.csv:7: port: port '-1' is not a number (1-65535)",
            "t.csv:8: port: port '22.0' is not a number (1-65535)",
            "t.csv:9: port: port '99999999999999999999' is out of range (1-65535)",
        ]
    );
}

#[test]
fn a_duplicate_name_names_the_line_of_the_first_occurrence() {
    // The third row has no name, so its name is its host, which is r1's name.
    let inv = inv("host,name\n10.0.0.1,r1\n10.0.0.2,r2\nr1,\n10.0.0.4,r2\n");
    assert_eq!(
        rendered(&inv),
        vec![
            // Reported in the column the name came from.
            "t.csv:4: host: duplicate name 'r1' (first used on line 2)",
            "t.csv:5: name: duplicate name 'r2' (first used on line 3)",
        ]
    );
    let names: Vec<&str> = inv.devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, vec!["r1", "r2"]);
}

#[test]
fn an_unknown_platform_is_a_problem_that_lists_the_known_ones() {
    let inv = inv("host,platform\n10.0.0.1,cisco_nope\n");
    assert!(inv.devices.is_empty());
    let all = rendered(&inv);
    assert_eq!(all.len(), 1);
    assert!(
        all[0].starts_with("t.csv:2: platform: unknown platform 'cisco_nope' (known: cisco_ios, "),
        "{}",
        all[0]
    );
    for p in Platform::ALL {
        assert!(
            all[0].contains(p.name()),
            "{} not listed in {}",
            p.name(),
            all[0]
        );
    }
}

#[test]
fn invalid_utf8_is_a_problem_on_its_line_and_the_rest_of_the_file_is_still_read() {
    // Valid UTF-8 elsewhere ('ü') makes the bad bytes corruption, not another encoding.
    let bytes = b"host,name,site\n10.0.0.1,r1,Z\xc3\xbcrich\n10.0.0.2,r\xff2,\xc3\n10.0.0.3,r3,c\n";
    let inv = read(&bytes[..], "t.csv");
    assert_eq!(
        rendered(&inv),
        vec![
            "t.csv:3: name: value is not valid UTF-8 (bad byte at offset 1 of the value)",
            "t.csv:3: site: value is not valid UTF-8 (bad byte at offset 0 of the value)",
        ]
    );
    let names: Vec<&str> = inv.devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, vec!["r1", "r3"]);
}

#[test]
fn an_invalid_utf8_header_name_is_a_problem_and_no_row_becomes_a_device() {
    // The UTF-8 'ü' makes this a UTF-8 file with a bad byte, not a Windows-1252 file.
    let inv = read(&b"host,s\xe9te,Z\xc3\xbcrich\n10.0.0.1,x,y\n"[..], "t.csv");
    assert!(inv.devices.is_empty());
    assert_eq!(
        rendered(&inv),
        vec!["t.csv:1: column 2: column name 's\u{fffd}te' is not valid UTF-8"]
    );
}

#[test]
fn a_ragged_row_says_how_many_fields_it_has_and_how_many_are_expected() {
    let inv = inv("host,name,site\n10.0.0.1,r1\n10.0.0.2,r2,b,extra\n10.0.0.3,r3,c\nlonely\n");
    assert_eq!(
        rendered(&inv),
        vec![
            "t.csv:2: row has 2 fields, the header has 3",
            "t.csv:3: row has 4 fields, the header has 3",
            "t.csv:5: row has 1 field, the header has 3",
        ]
    );
    assert_eq!(inv.devices.len(), 1);
}

#[test]
fn an_unclosed_quote_is_reported_with_the_lines_it_swallowed() {
    // The csv layer reads this as one valid-looking row that hides r2 and r3 in a name.
    let inv = inv("host,name\n10.0.0.1,\"r1\n10.0.0.2,r2\n10.0.0.3,r3\n");
    assert!(inv.devices.is_empty());
    assert_eq!(
        rendered(&inv),
        vec!["t.csv:2: a quote opened in this row is never closed: it swallows lines 2-4"]
    );
    // In an extra column too, and without a final line break.
    let inv = self::inv("host,note\n10.0.0.1,ok\n10.0.0.2,\"oops\n10.0.0.3,x");
    assert_eq!(inv.devices.len(), 1);
    assert_eq!(
        rendered(&inv),
        vec!["t.csv:3: a quote opened in this row is never closed: it swallows lines 3-4"]
    );
}

#[test]
fn an_unclosed_quote_is_found_even_when_the_file_ends_with_an_escaped_quote() {
    let inv = inv("host,name\n10.0.0.1,r1\n10.0.0.2,\"r2 \"\"x\"\"\n\n");
    assert_eq!(inv.devices.len(), 1);
    assert_eq!(
        rendered(&inv),
        vec!["t.csv:3: a quote opened in this row is never closed: it swallows lines 3-4"]
    );
}

#[test]
fn an_unclosed_quote_in_the_header_is_named_as_such() {
    let inv = inv("host,\"name\n10.0.0.1,r1\n");
    assert!(inv.devices.is_empty());
    assert_eq!(
        rendered(&inv),
        vec!["t.csv:1: a quote opened in the header row is never closed, so there are no rows"]
    );
}

#[test]
fn a_quote_closed_too_late_shows_up_as_a_ragged_row_spanning_lines() {
    let inv = inv("host,name,site\n10.0.0.1,\"r1\n10.0.0.2\",r2,x\n10.0.0.3,r3,y\n");
    assert_eq!(
        rendered(&inv),
        vec!["t.csv:2: row has 4 fields, the header has 3; the row spans lines 2-3: is a closing quote missing?"]
    );
    assert_eq!(device(&inv, "r3").line, 4);
    // With matching field counts the swallowed line shows up in the name instead.
    let inv = self::inv("host,name\n10.0.0.1,\"r1\n10.0.0.2,r2\"\n10.0.0.3,r3\n");
    assert_eq!(
        rendered(&inv),
        vec!["t.csv:2: name: 'r1\\n10.0.0.2,r2' contains the control character '\\n'"]
    );
    assert_eq!(device(&inv, "r3").line, 4);
}

#[test]
fn names_and_usernames_may_not_hold_line_breaks_or_control_characters() {
    let inv = inv("host,name,username\n10.0.0.1,\"r\n1\",ops\n10.0.0.2,r2,\"a\tb\"\n");
    assert!(inv.devices.is_empty());
    assert_eq!(
        rendered(&inv),
        vec![
            "t.csv:2: name: 'r\\n1' contains the control character '\\n'",
            "t.csv:4: username: 'a\\tb' contains the control character '\\t'",
        ]
    );
}

#[test]
fn a_trailing_comma_in_the_header_is_fine_while_that_column_stays_empty() {
    let inv = inv("host,name,\n10.0.0.1,r1,\n10.0.0.2,r2,oops\n");
    assert_eq!(device(&inv, "r1").fields, vec![]);
    assert_eq!(
        rendered(&inv),
        vec!["t.csv:3: column 3: value 'oops' is under a column with no name in the header"]
    );
}

#[test]
fn every_problem_in_a_file_is_listed_not_just_the_first() {
    let path = fixture("bad.csv");
    let inv = read_path(&path).expect("fixture is readable");
    let got: Vec<String> = rendered(&inv)
        .into_iter()
        .map(|p| p.replacen(&path, "bad.csv", 1))
        .collect();
    assert_eq!(
        got,
        vec![
            "bad.csv:3: host: host is empty",
            "bad.csv:4: port: port '99999' is out of range (1-65535)",
            "bad.csv:5: name: duplicate name 'r1' (first used on line 2)",
            &format!("bad.csv:6: platform: {}", netinv::platform::UnknownPlatform("cisco_nope".into())),
            "bad.csv:7: host: host 'bad host' is not an IP address or DNS name: it contains whitespace",
            "bad.csv:8: row has 2 fields, the header has 4",
            "bad.csv:9: port: port 'abc' is not a number (1-65535)",
        ]
    );
    let names: Vec<&str> = inv.devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, vec!["r1"]);
}

#[test]
fn a_realistic_file_reads_with_comments_quotes_and_extra_columns() {
    let inv = read_path(&fixture("good.csv")).expect("fixture is readable");
    assert_eq!(rendered(&inv), Vec::<String>::new());
    let core = device(&inv, "core1");
    assert_eq!((core.line, core.port), (4, None));
    assert_eq!(core.platform, PlatformChoice::Known(Platform::CiscoIos));
    assert_eq!(
        core.fields,
        vec![
            ("site".into(), "Berlin, DE".into()),
            ("role".into(), "core".into())
        ]
    );
    let edge = device(&inv, "edge1");
    assert_eq!((edge.line, edge.port), (6, Some(2222)));
    assert_eq!(edge.username.as_deref(), Some("netops"));
    assert_eq!(edge.fields[0].1, "Paris \"FR\"");
    let fw = device(&inv, "fw1.example.net");
    assert_eq!(fw.line, 7);
    assert_eq!(fw.platform, PlatformChoice::Detect);
    assert_eq!(fw.fields[0].1, "multi\nline note");
}

#[test]
fn read_path_reads_raw_bytes_from_a_file_with_bom_crlf_and_a_bad_byte() {
    let dir = TempDir::new();
    let path = dir.write(
        "fleet.csv",
        b"\xEF\xBB\xBFhost,name\r\n10.0.0.1,r1\r\n10.0.0.2,r\x802\r\n\r\n10.0.0.3,r3\r\n",
    );
    let inv = read_path(&path).expect("readable");
    assert_eq!(inv.source, path);
    assert_eq!(
        rendered(&inv),
        vec![format!(
            "{path}:3: name: value is not valid UTF-8 (bad byte at offset 1 of the value)"
        )]
    );
    let lines: Vec<(usize, &str)> = inv
        .devices
        .iter()
        .map(|d| (d.line, d.name.as_str()))
        .collect();
    assert_eq!(lines, vec![(2, "r1"), (5, "r3")]);
}

#[test]
fn a_missing_file_is_a_read_error_naming_the_path() {
    let dir = TempDir::new();
    let path = dir.0.join("nope.csv").to_string_lossy().into_owned();
    let err = read_path(&path).expect_err("missing file");
    assert_eq!(err.source, path);
    assert_eq!(err.error.kind(), std::io::ErrorKind::NotFound);
    assert!(err
        .to_string()
        .starts_with(&format!("{path}: cannot read inventory: ")));
}

#[test]
fn a_directory_is_a_read_error_not_an_empty_inventory() {
    let dir = TempDir::new();
    let path = dir.0.to_string_lossy().into_owned();
    let err = read_path(&path).expect_err("a directory is not an inventory");
    assert_eq!(err.source, path);
}

#[test]
fn a_reader_that_fails_half_way_is_a_problem_and_yields_no_devices() {
    struct Failing(&'static [u8]);
    impl std::io::Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("cable unplugged"));
            }
            let n = self.0.len().min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let inv = read(Failing(b"host\n10.0.0.1\n10.0"), "<stdin>");
    assert!(inv.devices.is_empty());
    assert_eq!(
        rendered(&inv),
        vec!["<stdin>:3: cannot read inventory: cable unplugged"]
    );
}

// ---- inventories as other tools export them --------------------------------------------

fn with_columns(text: &str, columns: &str) -> Inventory {
    parse_with(
        text.as_bytes(),
        "t.csv",
        &Options::with_columns(columns).unwrap(),
    )
}

fn hosts(inv: &Inventory) -> Vec<(&str, &str)> {
    inv.devices
        .iter()
        .map(|d| (d.name.as_str(), d.host.as_str()))
        .collect()
}

#[test]
fn a_netbox_device_export_reads_as_it_is_with_prefix_lengths_dropped() {
    // NetBox's device list, "Export → Current view": the table's column titles, addresses
    // with their prefix length, platforms by their display name.
    let inv = inv(
        "Name,Status,Tenant,Site,Location,Rack,Role,Manufacturer,Type,Platform,IP Address,IPv4 Address\n\
         core-1,Active,,Berlin,,R01,Core,Cisco,C9500-24Y4C,Cisco IOS-XE,10.0.0.1/24,10.0.0.1/24\n\
         edge-1,Active,,Paris,,,Edge,Juniper,MX204,Junos,2001:db8::1/64,\n",
    );
    assert_eq!(with_fixes(&inv), Vec::<String>::new());
    assert_eq!(
        hosts(&inv),
        vec![("core-1", "10.0.0.1"), ("edge-1", "2001:db8::1")]
    );
    let core = device(&inv, "core-1");
    assert_eq!(core.platform, PlatformChoice::Known(Platform::CiscoXe));
    assert_eq!(
        device(&inv, "edge-1").platform,
        PlatformChoice::Known(Platform::JuniperJunos)
    );
    let kept: Vec<&str> = core.fields.iter().map(|(k, _)| &**k).collect();
    assert_eq!(
        kept,
        [
            "Status",
            "Tenant",
            "Site",
            "Location",
            "Rack",
            "Role",
            "Manufacturer",
            "Type",
            "IPv4 Address"
        ],
        "the columns netinv reads are not repeated in `fields`; the rest are carried"
    );
}

#[test]
fn netbox_per_family_address_columns_are_the_host_when_there_is_no_ip_address_column() {
    for header in [
        "Name,Status,Site,Platform,IPv4 Address",
        "name,status,site,platform,Primary IPv4",
        "name,status,site,platform,primary_ip4",
    ] {
        let inv = inv(&format!("{header}\nsw1,active,HQ,cisco-ios,192.0.2.7/32\n"));
        assert_eq!(with_fixes(&inv), Vec::<String>::new(), "{header}");
        assert_eq!(hosts(&inv), vec![("sw1", "192.0.2.7")], "{header}");
        assert_eq!(
            device(&inv, "sw1").platform,
            PlatformChoice::Known(Platform::CiscoIos)
        );
    }
}

#[test]
fn nornir_hostname_is_the_address_and_name_the_inventory_key() {
    // Nornir's SimpleInventory (and its CSV plugins): `name` is the host's key, `hostname`
    // what to connect to.
    let inv = inv(
        "name,hostname,platform,port,username,password\nspine00,127.0.0.1,ios,12444,netdevops,pw\n",
    );
    assert_eq!(with_fixes(&inv), Vec::<String>::new());
    let d = device(&inv, "spine00");
    assert_eq!(d.host, "127.0.0.1");
    assert_eq!(d.port, Some(12444));
    assert_eq!(d.platform, PlatformChoice::Known(Platform::CiscoIos));
    assert_eq!(d.username.as_deref(), Some("netdevops"));
    assert_eq!(d.password.as_ref().map(|p| p.expose()), Some("pw"));
    assert!(d.fields.is_empty(), "{:?}", d.fields);
}

#[test]
fn hostname_is_the_name_when_another_column_holds_the_address() {
    for address in ["ip", "mgmt_ip", "Management IP", "ip_address"] {
        let inv = inv(&format!("hostname,{address},site\nr1,10.0.0.1,HQ\n"));
        assert_eq!(with_fixes(&inv), Vec::<String>::new(), "{address}");
        assert_eq!(hosts(&inv), vec![("r1", "10.0.0.1")], "{address}");
        assert_eq!(
            device(&inv, "r1").fields,
            vec![("site".into(), "HQ".to_string())]
        );
    }
}

#[test]
fn a_netmiko_device_list_with_device_type_ip_and_secret_reads_as_it_is() {
    let inv = inv("device_type,ip,username,password,secret,port\ncisco_nxos,10.1.1.1,admin,pw,en,8022\narista_eos,10.1.1.2,,,,\n");
    assert_eq!(with_fixes(&inv), Vec::<String>::new());
    let d = device(&inv, "10.1.1.1");
    assert_eq!(d.platform, PlatformChoice::Known(Platform::CiscoNxos));
    assert_eq!(d.port, Some(8022));
    assert_eq!(d.secret.as_ref().map(|s| s.expose()), Some("en"));
    assert_eq!(
        device(&inv, "10.1.1.2").platform,
        PlatformChoice::Known(Platform::AristaEos)
    );
}

#[test]
fn netinv_names_win_over_aliases_and_a_second_alias_stays_an_extra_field() {
    let inv = inv("ip,host,platform,device_type\n10.9.9.9,10.0.0.1,cisco_ios,router\n");
    assert_eq!(with_fixes(&inv), Vec::<String>::new());
    let d = device(&inv, "10.0.0.1");
    assert_eq!(d.platform, PlatformChoice::Known(Platform::CiscoIos));
    assert_eq!(
        d.fields,
        vec![
            ("ip".into(), "10.9.9.9".to_string()),
            ("device_type".into(), "router".to_string())
        ]
    );
}

#[test]
fn a_column_mapping_names_the_columns_and_wins_over_every_alias() {
    let text = "hostname,mgmt_ip,loopback,os\nr1,10.0.0.1,192.0.2.1,NX-OS\n";
    let inv = with_columns(text, "host=loopback, NAME=hostname,platform=os");
    assert_eq!(with_fixes(&inv), Vec::<String>::new());
    assert_eq!(hosts(&inv), vec![("r1", "192.0.2.1")]);
    let d = device(&inv, "r1");
    assert_eq!(d.platform, PlatformChoice::Known(Platform::CiscoNxos));
    assert_eq!(d.fields, vec![("mgmt_ip".into(), "10.0.0.1".to_string())]);

    // `platform=` says no column is the platform: `os` here holds something else.
    let inv = with_columns("host,os\n10.0.0.1,some build string\n", "platform=");
    assert_eq!(with_fixes(&inv), Vec::<String>::new());
    assert_eq!(inv.devices[0].platform, PlatformChoice::Detect);
}

#[test]
fn a_mapping_to_a_column_the_header_lacks_is_a_header_problem_with_the_fix() {
    let inv = with_columns("name,ip\nr1,10.0.0.1\n", "host=mgmt");
    assert!(inv.devices.is_empty());
    assert_eq!(
        with_fixes(&inv),
        vec![
            "t.csv:1: --columns maps host to 'mgmt', but the header has no such column \
             (columns found: 'name', 'ip') (fix: name a column of this header in --columns \
             (case-insensitive))"
        ]
    );
}

#[test]
fn a_bad_column_mapping_is_refused_before_any_file_is_read() {
    assert_eq!(
        Options::with_columns("adress=ip").unwrap_err(),
        "--columns: unknown role 'adress' (known: host, name, port, platform, username, password, secret, legacy, jump)"
    );
    assert!(Options::with_columns("host")
        .unwrap_err()
        .contains("is not ROLE=COLUMN"));
    assert!(Options::with_columns("host=a,host=b")
        .unwrap_err()
        .contains("mapped twice"));
    assert_eq!(Options::with_columns(""), Ok(Options::default()));
}

#[test]
fn prefix_lengths_and_ipv6_brackets_are_dropped_from_addresses_only() {
    let inv = inv(
        "name,host\na,10.0.0.1/24\nb,[::1]\nc,[2001:db8::2]/64\nd,2001:db8::3/128\ne,10.0.0.5/33\n\
         f,sw1.example.net/24\ng,[::1]:22\nh,[sw1]\n",
    );
    assert_eq!(
        hosts(&inv),
        vec![
            ("a", "10.0.0.1"),
            ("b", "::1"),
            ("c", "2001:db8::2"),
            ("d", "2001:db8::3")
        ]
    );
    assert_eq!(
        with_fixes(&inv),
        vec![
            "t.csv:6: host: host '10.0.0.5/33': prefix length /33 is out of range (0-32) \
             (fix: write the address alone, or with a valid prefix length)",
            "t.csv:7: host: host 'sw1.example.net/24' is not an IP address or DNS name: \
             illegal character '/' (fix: write an IP address (a prefix length like /24 is \
             dropped; IPv6 may be in brackets) or a DNS name)",
            "t.csv:8: host: host '[::1]:22' is not an IP address or DNS name: a port goes in \
             the 'port' column (fix: move the port into a `port` column (or -p/--port))",
            "t.csv:9: host: host '[sw1]' is not an IP address or DNS name: illegal character \
             '[' (fix: write an IP address (a prefix length like /24 is dropped; IPv6 may be in \
             brackets) or a DNS name)",
        ]
    );
}

#[test]
fn vendor_spellings_of_platforms_become_netmiko_names() {
    let cases = [
        ("Cisco IOS", Platform::CiscoIos),
        ("cisco-ios", Platform::CiscoIos),
        ("IOS", Platform::CiscoIos),
        ("IOS-XE", Platform::CiscoXe),
        ("Cisco IOS XE", Platform::CiscoXe),
        ("cisco_iosxe", Platform::CiscoXe),
        ("NX-OS", Platform::CiscoNxos),
        ("Cisco NX-OS", Platform::CiscoNxos),
        ("IOS-XR", Platform::CiscoXr),
        ("Cisco ASA", Platform::CiscoAsa),
        ("EOS", Platform::AristaEos),
        ("Arista EOS", Platform::AristaEos),
        ("Junos", Platform::JuniperJunos),
        ("Juniper JUNOS", Platform::JuniperJunos),
        ("ProCurve", Platform::HpProcurve),
        ("HP ProCurve", Platform::HpProcurve),
        ("ArubaOS-Switch", Platform::HpProcurve),
        ("VRP", Platform::Huawei),
        ("Huawei VRP", Platform::Huawei),
        ("PAN-OS", Platform::PaloaltoPanos),
        ("Palo Alto PAN-OS", Platform::PaloaltoPanos),
        ("FortiOS", Platform::Fortinet),
        ("Fortinet FortiOS", Platform::Fortinet),
        ("RouterOS", Platform::MikrotikRouteros),
        ("MikroTik RouterOS", Platform::MikrotikRouteros),
    ];
    for (spelling, platform) in cases {
        let inv = inv(&format!("host,platform\n10.0.0.1,{spelling}\n"));
        assert_eq!(with_fixes(&inv), Vec::<String>::new(), "{spelling}");
        assert_eq!(
            inv.devices[0].platform,
            PlatformChoice::Known(platform),
            "{spelling}"
        );
    }
    let inv = inv("host,platform\n10.0.0.1,Cisco IOS 15\n");
    let problems = with_fixes(&inv);
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].contains("(fix: write one of those Netmiko device_type names"),
        "{problems:?}"
    );
}

#[test]
fn semicolon_and_tab_separated_files_are_recognised_from_the_header() {
    for (sep, shown) in [(";", "';'"), ("\t", "tab")] {
        let text = format!(
            "# exported\nname{sep}host{sep}site\nr1{sep}10.0.0.1{sep}\"Main St, 1\"\nr2{sep}10.0.0.2\n"
        );
        let inv = inv(&text);
        assert_eq!(hosts(&inv), vec![("r1", "10.0.0.1")], "{shown}");
        assert_eq!(
            device(&inv, "r1").fields,
            vec![("site".into(), "Main St, 1".to_string())]
        );
        assert_eq!(
            with_fixes(&inv),
            vec![format!(
                "t.csv:4: row has 2 fields, the header has 3 (fix: give every row as many fields \
                 as the header, separated by {shown}; quote a value that holds the separator)"
            )]
        );
    }
}

#[test]
fn an_excel_sep_line_names_the_delimiter_and_keeps_line_numbers() {
    let inv = inv("sep=;\nhost;name;note\n10.0.0.1;r1;a,b,c,d\n10.0.0.2;;\nbad host;r3;\n");
    assert_eq!(
        hosts(&inv),
        vec![("r1", "10.0.0.1"), ("10.0.0.2", "10.0.0.2")]
    );
    assert_eq!(rendered(&inv), vec!["t.csv:5: host: host 'bad host' is not an IP address or DNS name: it contains whitespace"]);
}

#[test]
fn a_header_with_as_many_commas_as_semicolons_is_comma_separated() {
    let inv = inv("host,name;x\n10.0.0.1,r1;x\n");
    assert_eq!(hosts(&inv), vec![("10.0.0.1", "10.0.0.1")]);
    assert_eq!(
        inv.devices[0].fields,
        vec![("name;x".into(), "r1;x".to_string())]
    );
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let units = bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16());
    for u in units {
        out.extend(if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

#[test]
fn utf16_files_with_or_without_a_bom_are_decoded() {
    // Excel's "Unicode Text" and PowerShell's Export-Csv -Encoding Unicode: UTF-16LE, BOM, tabs.
    let text = "name\thost\tsite\r\nzürich-1\t10.0.0.1\tZürich\r\n東京-1\t10.0.0.2\t東京\r\nbad\t10.0.0.300\t\r\n";
    for (big_endian, bom, label) in [
        (false, true, "UTF-16LE"),
        (true, true, "UTF-16BE"),
        (false, false, "UTF-16LE"),
        (true, false, "UTF-16BE"),
    ] {
        let inv = read(&utf16(text, big_endian, bom)[..], "t.csv");
        assert_eq!(
            hosts(&inv),
            vec![("zürich-1", "10.0.0.1"), ("東京-1", "10.0.0.2")],
            "{label} bom={bom}"
        );
        assert_eq!(
            device(&inv, "東京-1").fields,
            vec![("site".into(), "東京".to_string())]
        );
        assert_eq!(inv.encoding, Some(label));
        assert_eq!(
            rendered(&inv),
            vec!["t.csv:4: host: host '10.0.0.300' is not an IP address or DNS name: digits and dots only, but not a valid IPv4 address"],
            "line numbers survive decoding"
        );
    }
}

#[test]
fn windows_1252_files_are_decoded_when_they_hold_no_utf8_at_all() {
    // "Zürich", "Genève", "Ærø" and a euro sign as Excel saves "CSV" on Western Windows.
    let bytes = b"name;host;site;cost\r\nr1;10.0.0.1;Z\xfcrich;\x80 5\r\nr2;10.0.0.2;Gen\xe8ve;\r\nr\xc6;10.0.0.3;\xc6r\xf8;\r\n";
    let inv = read(&bytes[..], "t.csv");
    assert_eq!(with_fixes(&inv), Vec::<String>::new());
    assert_eq!(inv.encoding, Some("windows-1252"));
    assert_eq!(
        device(&inv, "r1").fields,
        vec![
            ("site".into(), "Zürich".to_string()),
            ("cost".into(), "€ 5".to_string())
        ]
    );
    assert_eq!(device(&inv, "r2").fields[0].1, "Genève");
    assert_eq!(device(&inv, "rÆ").fields[0].1, "Ærø");
}

#[test]
fn decoding_keeps_utf8_as_it_is_and_says_which_encoding_it_undid() {
    assert_eq!(
        decode(b"host\n\xc3\xbc\n"),
        (b"host\n\xc3\xbc\n"[..].into(), None)
    );
    assert_eq!(decode(b"\xef\xbb\xbfhost\n"), (b"host\n"[..].into(), None));
    assert_eq!(
        decode(b"host\n\xfc\n"),
        ("host\nü\n".as_bytes().into(), Some("windows-1252"))
    );
}

#[test]
fn every_kind_of_problem_says_how_to_fix_it() {
    let text = "host,name,port,platform,\n\
                ,r0,,,\n\
                10.0.0.1,r1,99999,,\n\
                10.0.0.2,r1,,,\n\
                10.0.0.3,r3,,cisco_nope,\n\
                bad host,r4,,,\n\
                10.0.0.5,r5\n\
                10.0.0.6,r6,,,oops\n\
                10.0.0.7,\"r\n7\",,,\n\
                10.0.0.8,r8,,,\"\n";
    let inv = inv(text);
    assert_eq!(inv.problems.len(), 9, "{:#?}", inv.problems);
    for p in &inv.problems {
        let fix = p.fix.as_deref().unwrap_or("");
        assert!(fix.len() > 10, "no fix in {p}");
        assert!(p.to_string().ends_with(&format!(" (fix: {fix})")), "{p}");
    }
}

// ---- properties -------------------------------------------------------------------------

/// Lines as the csv layer sees them: ended by `\n`, `\r\n` or a lone `\r`.
fn line_count(bytes: &[u8]) -> usize {
    let breaks = bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count();
    1 + breaks
}

/// A cell value: mostly valid, sometimes each kind of wrong.
fn cell(kind: &'static str) -> BoxedStrategy<String> {
    let any_text = "[ -~]{0,8}"
        .prop_map(|s| s.replace(['"', ',', '#'], ""))
        .boxed();
    match kind {
        "host" => prop_oneof![
            "[a-z][a-z0-9-]{0,6}[a-z0-9](\\.[a-z]{2,4})?",
            "10\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
            Just(String::new()),
            any_text,
        ]
        .boxed(),
        "port" => prop_oneof![Just(String::new()), "[0-9]{1,6}", any_text].boxed(),
        "platform" => prop_oneof![
            Just(String::new()),
            Just("cisco_ios".to_string()),
            Just("junos".to_string()),
            "[a-z_]{1,10}",
        ]
        .boxed(),
        _ => any_text,
    }
}

fn row() -> impl Strategy<Value = (Vec<String>, usize)> {
    // Mostly 5 cells; sometimes ragged.
    (
        cell("host"),
        "[a-c]{0,2}",
        cell("port"),
        cell("platform"),
        cell("note"),
        prop_oneof![8 => Just(5usize), 1 => 1usize..5, 1 => 6usize..8],
    )
        .prop_map(|(h, n, p, pl, note, len)| {
            let mut cells = vec![h, n, p, pl, note];
            cells.resize(len, "x".to_string());
            (cells, len)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic_and_stay_consistent(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let inv = read(&bytes[..], "fuzz.csv");
        // Lines as decoded: UTF-16 input has other bytes for its line breaks.
        let lines = line_count(&decode(&bytes).0);
        let problem_lines: HashSet<usize> = inv.problems.iter().map(|p| p.line).collect();
        let mut names = HashSet::new();
        for d in &inv.devices {
            prop_assert!(d.line >= 1 && d.line <= lines, "device line {} of {}", d.line, lines);
            prop_assert!(!problem_lines.contains(&d.line), "line {} is both a device and a problem", d.line);
            prop_assert!(names.insert(d.name.clone()), "duplicate name {}", d.name);
        }
        for p in &inv.problems {
            prop_assert!(p.line >= 1 && p.line <= lines, "problem line {} of {}", p.line, lines);
            prop_assert!(p.fix.is_some(), "no fix in {}", p);
        }
    }

    #[test]
    fn any_text_in_any_supported_encoding_and_delimiter_never_panics(
        text in "[a-z0-9#,;\t\"\r\n .:/\\[\\]_ü東-]{0,200}",
        sep in prop_oneof![Just(","), Just(";"), Just("\t")],
        encoding in 0..4usize,
    ) {
        let text = format!("host{sep}name{sep}platform\n{text}");
        let bytes = match encoding {
            0 => text.clone().into_bytes(),
            1 => utf16(&text, false, true),
            2 => utf16(&text, true, false),
            // Windows-1252 has 'ü' but no '東': the encoder writes those as numeric references.
            _ => encoding_rs::WINDOWS_1252.encode(&text).0.into_owned(),
        };
        let inv = read(&bytes[..], "fuzz.csv");
        let lines = line_count(text.as_bytes());
        let problem_lines: HashSet<usize> = inv.problems.iter().map(|p| p.line).collect();
        prop_assert!(!problem_lines.contains(&1), "the header is good: {:?}", inv.problems);
        for d in &inv.devices {
            prop_assert!(d.line >= 2 && d.line <= lines);
            prop_assert!(!problem_lines.contains(&d.line));
        }
        for p in &inv.problems {
            prop_assert!(p.line >= 2 && p.line <= lines, "{} of {} lines", p, lines);
            prop_assert!(p.fix.is_some(), "no fix in {}", p);
        }
    }

    #[test]
    fn arbitrary_rows_under_a_good_header_never_panic(text in "[a-z0-9#,\"\r\n .:_-]{0,300}") {
        let text = format!("host,name,port,platform\n{text}");
        let inv = read(text.as_bytes(), "fuzz.csv");
        let lines = line_count(text.as_bytes());
        let problem_lines: HashSet<usize> = inv.problems.iter().map(|p| p.line).collect();
        prop_assert!(!problem_lines.contains(&1), "the header is good: {:?}", inv.problems);
        let mut names = HashSet::new();
        for d in &inv.devices {
            prop_assert!(d.line >= 2 && d.line <= lines);
            prop_assert!(!problem_lines.contains(&d.line));
            prop_assert!(names.insert(d.name.clone()), "duplicate name {}", d.name);
        }
        for p in &inv.problems {
            prop_assert!(p.line >= 2 && p.line <= lines, "{} of {} lines", p, lines);
        }
    }

    #[test]
    fn every_data_line_is_either_a_device_or_a_problem(
        rows in proptest::collection::vec(row(), 0..30),
        eol in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
    ) {
        let mut text = format!("host,name,port,platform,note{eol}");
        let mut data_lines = Vec::new();
        for (i, (cells, _)) in rows.iter().enumerate() {
            if cells.iter().all(|c| c.trim().is_empty()) {
                // A row of empty cells is a blank line by contract; keep it out of the count.
                text.push_str(&format!("# blank row{eol}"));
                continue;
            }
            text.push_str(&cells.join(","));
            text.push_str(eol);
            data_lines.push(i + 2);
        }
        let inv = read(text.as_bytes(), "gen.csv");
        let device_lines: HashSet<usize> = inv.devices.iter().map(|d| d.line).collect();
        let problem_lines: HashSet<usize> = inv.problems.iter().map(|p| p.line).collect();
        prop_assert!(problem_lines.iter().all(|l| data_lines.contains(l)), "{:?}", inv.problems);
        for line in &data_lines {
            prop_assert!(
                device_lines.contains(line) != problem_lines.contains(line),
                "line {} must be exactly one of device/problem: {}\n{:?}", line, text, inv
            );
        }
        prop_assert_eq!(inv.devices.len() + problem_lines.len(), data_lines.len());
    }
}

#[test]
fn a_fixture_with_a_bad_byte_keeps_its_good_rows() {
    let path = fixture("bad_utf8.csv");
    let inv = read_path(&path).expect("fixture is readable");
    assert_eq!(
        rendered(&inv),
        vec![format!(
            "{path}:3: name: value is not valid UTF-8 (bad byte at offset 1 of the value)"
        )]
    );
    let names: Vec<&str> = inv.devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, vec!["r1", "r3"]);
}

#[test]
fn the_legacy_column_opts_a_row_in_or_out_and_anything_but_yes_or_no_is_named() {
    let inv = inv("host,legacy\nr1,yes\nr2,No\nr3,\nr4,maybe\n");
    assert_eq!(device(&inv, "r1").legacy, Some(true));
    assert_eq!(device(&inv, "r2").legacy, Some(false));
    assert_eq!(device(&inv, "r3").legacy, None);
    let problems = rendered(&inv);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("t.csv:5: legacy: 'maybe' is not yes or no"),
        "{problems:?}"
    );
    assert!(
        device(&inv, "r1").fields.is_empty(),
        "legacy is netinv's, not carried"
    );
}

#[test]
fn the_jump_column_names_a_rows_jump_hosts_or_none_and_a_bad_one_is_named() {
    let inv = inv("host,jump\nr1,ops@bastion:2222\nr2,none\nr3,\nr4,b1:99999\n");
    assert_eq!(
        device(&inv, "r1").jump.as_ref().map(|j| j.to_string()),
        Some("ops@bastion:2222".into())
    );
    assert!(device(&inv, "r2")
        .jump
        .as_ref()
        .is_some_and(|j| j.is_direct()));
    assert_eq!(device(&inv, "r3").jump, None);
    let problems = with_fixes(&inv);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("t.csv:5: jump: jump host 'b1:99999': port '99999' is not 1-65535")
            && problems[0].contains("[user@]host[:port]"),
        "{problems:?}"
    );
    assert!(
        device(&inv, "r1").fields.is_empty(),
        "jump is netinv's, not carried"
    );
}
