//! Shell completions and man pages, generated from the clap definitions, checked by the shells
//! and `man` that will load them.

mod support;

use std::process::Command;
use support::*;

fn generated(args: &[&str]) -> String {
    let out = run(netinv().args(args));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// What bash's completion offers for the words typed so far (the last one being completed),
/// calling the completion function as bash does: command, current word, previous word.
fn bash_completes(script: &std::path::Path, words: &str) -> Vec<String> {
    let program = format!(
        "source '{}'; COMP_WORDS=({words}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); \
         COMP_LINE=\"${{COMP_WORDS[*]}}\"; COMP_POINT=${{#COMP_LINE}}; _netinv netinv \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).lines().map(String::from).collect()
}

#[test]
fn bash_completes_subcommands_and_their_options() {
    let dir = TempDir::new("completions");
    let script = dir.join("netinv.bash");
    std::fs::write(&script, generated(&["completions", "bash"])).unwrap();

    let subcommands = bash_completes(&script, "netinv co");
    assert!(
        subcommands.contains(&"collect".to_string()),
        "{subcommands:?}"
    );
    assert!(
        subcommands.contains(&"completions".to_string()),
        "{subcommands:?}"
    );
    let options = bash_completes(&script, "netinv collect --col");
    assert_eq!(options, ["--columns"], "{options:?}");
    let modes = bash_completes(&script, "netinv collect --mode ''");
    assert_eq!(modes, ["auto", "exec", "shell"]);
}

#[test]
fn zsh_and_fish_scripts_name_every_subcommand() {
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let script = generated(&["completions", shell]);
        for sub in [
            "collect",
            "check",
            "parse",
            "sim",
            "demo",
            "completions",
            "man",
        ] {
            assert!(script.contains(sub), "{shell}: no {sub}");
        }
        assert!(script.contains("columns"), "{shell}: no --columns");
    }
    let out = run(netinv().args(["completions", "tcsh"]));
    assert_eq!(out.status.code(), Some(2), "an unknown shell is bad usage");
}

/// A man page as `man` shows it, plain text.
fn man_shows(page: &std::path::Path) -> String {
    let out = Command::new("man")
        .arg("-l")
        .arg(page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .env("MAN_KEEP_FORMATTING", "0")
        .output()
        .expect("man runs (.ci/run installs man-db)");
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Drop overstrike bold/underline, in case the formatter still emits it.
    let raw = text(&out.stdout);
    let mut plain = String::new();
    for c in raw.chars() {
        if c == '\u{8}' {
            plain.pop();
        } else {
            plain.push(c);
        }
    }
    plain
}

#[test]
fn man_prints_a_page_that_man_renders_with_every_subcommand() {
    let dir = TempDir::new("man");
    let page = dir.join("netinv.1");
    std::fs::write(&page, generated(&["man"])).unwrap();
    let shown = man_shows(&page);
    assert!(shown.contains("NAME"), "{shown}");
    assert!(shown.contains("netinv - Collect"), "{shown}");
    for sub in ["collect", "check", "completions", "man"] {
        assert!(shown.contains(sub), "no {sub} in\n{shown}");
    }
}

#[test]
fn man_out_dir_writes_one_page_per_subcommand_with_its_options() {
    let dir = TempDir::new("man-dir");
    let out = run(netinv().arg("man").arg("--out-dir").arg(dir.path()));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(dir.join("netinv.1").is_file());
    let collect = man_shows(&dir.join("netinv-collect.1"));
    for option in ["--inventory", "--columns", "--password-file", "--timeout"] {
        assert!(collect.contains(option), "no {option} in\n{collect}");
    }

    let missing = dir.join("no-such-dir");
    let out = run(netinv().arg("man").arg("--out-dir").arg(&missing));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot write man pages to"),
        "{}",
        text(&out.stderr)
    );
}
