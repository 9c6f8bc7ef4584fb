//! Defaults for `collect` from a TOML file, so that cron lines stay short. A value there is
//! used only where neither the command line nor the environment gave one; inventory rows
//! still override it per device. Never a password: secrets stay in the environment, a
//! password file or a key.

use crate::cli::{
    parse_duration, parse_port, parse_rate, parse_size, parse_workers, CollectArgs, LogFormat,
};
use crate::settings::Mode;
use crate::ssh::hostkeys::HostKeyPolicy;
use clap::parser::ValueSource;
use clap::{ArgMatches, ValueEnum};
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};

/// Every key a config file may hold, as the command line spells the option.
pub const KEYS: [&str; 18] = [
    "workers",
    "timeout",
    "connect-timeout",
    "mode",
    "username",
    "port",
    "key",
    "no-agent",
    "known-hosts",
    "host-key-policy",
    "legacy-algorithms",
    "enable",
    "accept-banner",
    "retries",
    "rate",
    "max-output",
    "out-dir",
    "log-format",
];

/// Keys that would hold a secret: refused with where the secret goes instead.
const SECRET_KEYS: [&str; 6] = [
    "password",
    "secret",
    "enable-secret",
    "passphrase",
    "key-passphrase",
    "password-file",
];

/// Where the defaults come from: `--config FILE|none` (or env `NETINV_CONFIG`), else
/// `$XDG_CONFIG_HOME/netinv/config.toml`, else `~/.config/netinv/config.toml`. The flag
/// names a file that must exist; the default place may have none.
fn locate(flag: Option<&str>) -> Option<(PathBuf, bool)> {
    match flag {
        Some("none") => return None,
        Some(path) => return Some((PathBuf::from(path), true)),
        None => {}
    }
    // The XDG spec: a relative or empty XDG_CONFIG_HOME is to be ignored.
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
            Some(PathBuf::from(home).join(".config"))
        })?;
    Some((base.join("netinv").join("config.toml"), false))
}

/// Fill in from the config file every collect setting that the command line and the
/// environment left at its default. Errors name FILE:LINE and the key.
pub fn apply(args: &mut CollectArgs, matches: Option<&ArgMatches>) -> Result<(), String> {
    let Some((path, explicit)) = locate(args.config.as_deref()) else {
        return Ok(());
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(format!(
                "cannot read the config file {}: {e}",
                path.display()
            ))
        }
    };
    let shown = path.display().to_string();
    let at = |offset: usize| format!("{shown}:{}", line_of(&text, offset));
    let table = DeTable::parse(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| at(s.start))
            .unwrap_or_else(|| shown.clone());
        format!("{line}: not valid TOML: {}", e.message().trim())
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    for (key, value) in table.get_ref() {
        let where_ = at(key.span().start);
        let name = key.get_ref().replace('_', "-").to_ascii_lowercase();
        if SECRET_KEYS.contains(&name.as_str()) {
            return Err(format!(
                "{where_}: `{}`: a config file holds no secret; give the password in env \
                 NETINV_PASSWORD, --password-file FILE or --ask-password, or log in with a key \
                 (--key, or ssh-agent), and the enable secret in env NETINV_ENABLE_SECRET",
                key.get_ref()
            ));
        }
        if !KEYS.contains(&name.as_str()) {
            return Err(format!(
                "{where_}: unknown key `{}` (valid keys: {})",
                key.get_ref(),
                KEYS.join(", ")
            ));
        }
        let id = name.replace('-', "_");
        let given = matches
            .and_then(|m| m.value_source(&id))
            .is_some_and(|s| matches!(s, ValueSource::CommandLine | ValueSource::EnvVariable));
        if given {
            continue;
        }
        set(args, &name, value.get_ref(), dir).map_err(|e| format!("{where_}: {name}: {e}"))?;
        args.from_config.push(name);
    }
    Ok(())
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A value as the command line would have given it.
fn text(v: &DeValue) -> Result<String, String> {
    match v {
        DeValue::String(s) => Ok(s.to_string()),
        DeValue::Integer(i) if i.radix() == 10 => Ok(i.as_str().to_string()),
        DeValue::Float(f) => Ok(f.as_str().to_string()),
        DeValue::Boolean(b) => Ok(b.to_string()),
        _ => Err("expected a string or a number".into()),
    }
}

fn flag(v: &DeValue) -> Result<bool, String> {
    match v {
        DeValue::Boolean(b) => Ok(*b),
        _ => Err("expected true or false".into()),
    }
}

fn choice<T: ValueEnum>(v: &DeValue) -> Result<T, String> {
    let s = text(v)?;
    T::from_str(&s, true).map_err(|_| {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|x| Some(x.to_possible_value()?.get_name().to_string()))
            .collect();
        format!("'{s}' is not one of {}", names.join(", "))
    })
}

/// `~/` is the home directory; a relative path is relative to the config file's directory,
/// so that a cron job reads the same file whatever its working directory.
fn path(v: &DeValue, dir: &Path) -> Result<PathBuf, String> {
    let s = text(v)?;
    let p = match (s.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(&s),
    };
    Ok(if p.is_relative() { dir.join(p) } else { p })
}

fn set(args: &mut CollectArgs, key: &str, v: &DeValue, dir: &Path) -> Result<(), String> {
    match key {
        "workers" => args.workers = parse_workers(&text(v)?)?,
        "timeout" => args.timeout = parse_duration(&text(v)?)?,
        "connect-timeout" => args.connect_timeout = Some(parse_duration(&text(v)?)?),
        "mode" => args.mode = choice::<Mode>(v)?,
        "username" => args.login.username = Some(text(v)?),
        "port" => args.login.port = Some(parse_port(&text(v)?)?),
        "key" => args.login.key = Some(path(v, dir)?),
        "no-agent" => args.login.no_agent = flag(v)?,
        "known-hosts" => args.ssh.known_hosts = Some(path(v, dir)?),
        "host-key-policy" => args.ssh.host_key_policy = Some(choice::<HostKeyPolicy>(v)?),
        "legacy-algorithms" => args.ssh.legacy_algorithms = flag(v)?,
        "enable" => args.enable = flag(v)?,
        "accept-banner" => args.login.accept_banner = flag(v)?,
        "retries" => {
            args.retries = text(v)?
                .parse()
                .map_err(|_| "expected a whole number".to_string())?
        }
        "rate" => args.rate = parse_rate(&text(v)?)?,
        "max-output" => args.max_output = parse_size(&text(v)?)?,
        "out-dir" => args.out_dir = Some(path(v, dir)?),
        "log-format" => args.log.log_format = choice::<LogFormat>(v)?,
        _ => unreachable!("every key in KEYS is set here"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches};

    /// Every key is one of collect's own options, so its name and meaning are those of `--help`.
    #[test]
    fn every_key_is_a_collect_option() {
        let cli = crate::cli::Cli::command();
        let collect = cli.find_subcommand("collect").unwrap();
        for key in KEYS {
            assert!(
                collect.get_arguments().any(|a| a.get_long() == Some(key)),
                "{key}"
            );
        }
    }

    #[test]
    fn every_key_can_be_set() {
        let m = crate::cli::Cli::command()
            .try_get_matches_from(["netinv", "collect", "-i", "x.csv"])
            .unwrap();
        let crate::cli::Command::Collect(mut args) =
            crate::cli::Cli::from_arg_matches(&m).unwrap().command
        else {
            unreachable!()
        };
        let values = [
            ("workers", "7"),
            ("timeout", "\"5s\""),
            ("connect-timeout", "\"2s\""),
            ("mode", "\"shell\""),
            ("username", "\"ops\""),
            ("port", "2222"),
            ("key", "\"/k\""),
            ("no-agent", "true"),
            ("known-hosts", "\"/kh\""),
            ("host-key-policy", "\"strict\""),
            ("legacy-algorithms", "true"),
            ("enable", "true"),
            ("accept-banner", "true"),
            ("retries", "2"),
            ("rate", "0.5"),
            ("max-output", "\"1MiB\""),
            ("out-dir", "\"/raw\""),
            ("log-format", "\"json\""),
        ];
        assert_eq!(values.len(), KEYS.len());
        for (key, value) in values {
            let doc = format!("{key} = {value}\n");
            let t = DeTable::parse(&doc).unwrap();
            let (_, v) = t.get_ref().iter().next().unwrap();
            set(&mut args, key, v.get_ref(), Path::new("/"))
                .unwrap_or_else(|e| panic!("{key}: {e}"));
        }
        assert_eq!(args.workers, 7);
        assert_eq!(args.timeout, std::time::Duration::from_secs(5));
        assert_eq!(args.login.port, Some(2222));
        assert_eq!(args.rate, 0.5);
        assert_eq!(args.max_output, 1 << 20);
        assert!(
            args.enable
                && args.login.no_agent
                && args.ssh.legacy_algorithms
                && args.login.accept_banner
        );
        assert_eq!(args.log.log_format, LogFormat::Json);
    }
}
