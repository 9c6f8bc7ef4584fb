//! Parser for PAN-OS `show system info`.

use super::text::{facts_for, find_kv, normalise};
use super::{Facts, Platform};

pub fn parse_panos(output: &str) -> Facts {
    let text = normalise(output);
    let text = text.as_ref();
    let mut f = facts_for(Platform::PaloaltoPanos);
    f.hostname = find_kv(text, &["hostname", "devicename"]);
    f.uptime = find_kv(text, &["uptime"]);
    f.model = known(find_kv(text, &["model"]));
    // An unlicensed VM says `serial: unknown`: that is no serial.
    f.serial = known(find_kv(text, &["serial"]));
    f.version = find_kv(text, &["sw-version"]);
    f
}

fn known(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.eq_ignore_ascii_case("unknown"))
}
