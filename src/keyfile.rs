//! Whether a passphrase opens an encrypted PEM private key (OpenSSL's traditional format, or
//! PKCS#8), told before any device is contacted: libssh2 reports a wrong one as a refused login.

use aes::cipher::{block_padding::Pkcs7, BlockModeDecrypt, KeyIvInit};
use base64ct::{Base64, Encoding};

/// `Some(true)` when `passphrase` decrypts the encrypted PEM key in `text`, `Some(false)` when
/// it certainly does not, `None` when this cannot tell (not an encrypted PEM key, or a cipher
/// not handled here): then libssh2 decides, as before.
pub fn pem_passphrase_fits(text: &str, passphrase: &[u8]) -> Option<bool> {
    let (label, headers, body) = pem_block(text)?;
    let der = Base64::decode_vec(&body).ok()?;
    if label == "ENCRYPTED PRIVATE KEY" {
        let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der.as_slice()).ok()?;
        return match info.decrypt(passphrase) {
            Ok(_) => Some(true),
            // A wrong key leaves padding that does not check; an unknown scheme is another error.
            Err(pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::DecryptFailed)) => {
                Some(false)
            }
            Err(_) => None,
        };
    }
    if !headers.contains(&"Proc-Type: 4,ENCRYPTED") {
        return None;
    }
    let (cipher, iv) = headers
        .iter()
        .find_map(|h| h.strip_prefix("DEK-Info:"))?
        .trim()
        .split_once(',')?;
    let iv = hex(iv.trim())?;
    if iv.len() != 16 {
        return None;
    }
    let mut data = der;
    let plain = match cipher {
        "AES-128-CBC" => decrypt::<aes::Aes128>(passphrase, &iv, 16, &mut data),
        "AES-192-CBC" => decrypt::<aes::Aes192>(passphrase, &iv, 24, &mut data),
        "AES-256-CBC" => decrypt::<aes::Aes256>(passphrase, &iv, 32, &mut data),
        _ => return None,
    };
    // The right passphrase gives a DER SEQUENCE (the key) exactly filling the plaintext; a
    // wrong one passes the padding check about once in 256 tries, and this test almost never.
    Some(plain.is_some_and(is_one_der_sequence))
}

/// `data` decrypted in place with cipher `C` in CBC mode, the key derived from `passphrase`
/// as OpenSSL does; `None` when the padding does not check.
fn decrypt<'d, C>(
    passphrase: &[u8],
    iv: &[u8],
    key_len: usize,
    data: &'d mut [u8],
) -> Option<&'d [u8]>
where
    C: aes::cipher::BlockCipherDecrypt,
    cbc::Decryptor<C>: KeyIvInit + BlockModeDecrypt,
{
    let key = bytes_to_key(passphrase, &iv[..8], key_len);
    cbc::Decryptor::<C>::new_from_slices(&key, iv)
        .ok()?
        .decrypt_padded::<Pkcs7>(data)
        .ok()
}

/// The label, headers and base64 body of the first PEM block in `text`.
fn pem_block(text: &str) -> Option<(&str, Vec<&str>, String)> {
    let mut lines = text.lines().map(str::trim);
    let label = lines
        .by_ref()
        .find_map(|l| l.strip_prefix("-----BEGIN ")?.strip_suffix("-----"))?;
    let end = format!("-----END {label}-----");
    let mut headers = Vec::new();
    let mut body = String::new();
    for line in lines {
        if line == end {
            return Some((label, headers, body));
        }
        if line.contains(':') && body.is_empty() {
            headers.push(line);
        } else {
            body.push_str(line);
        }
    }
    None
}

/// OpenSSL's EVP_BytesToKey with MD5 and one round: how the traditional PEM format derives its
/// key from the passphrase and the first 8 bytes of the IV.
fn bytes_to_key(passphrase: &[u8], salt: &[u8], len: usize) -> Vec<u8> {
    let mut key = Vec::with_capacity(len + 16);
    let mut previous: Option<[u8; 16]> = None;
    while key.len() < len {
        let mut md5 = md5::Context::new();
        if let Some(p) = previous {
            md5.consume(p);
        }
        md5.consume(passphrase);
        md5.consume(salt);
        let digest = md5.finalize().0;
        key.extend_from_slice(&digest);
        previous = Some(digest);
    }
    key.truncate(len);
    key
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// One DER SEQUENCE, nothing before or after it.
fn is_one_der_sequence(der: &[u8]) -> bool {
    let (Some(&0x30), Some(&first)) = (der.first(), der.get(1)) else {
        return false;
    };
    let (header, len) = match first {
        n if n < 0x80 => (2, n as usize),
        0x81..=0x83 => {
            let k = (first - 0x80) as usize;
            let Some(bytes) = der.get(2..2 + k) else {
                return false;
            };
            (
                2 + k,
                bytes.iter().fold(0usize, |a, &b| a << 8 | b as usize),
            )
        }
        _ => return false,
    };
    header + len == der.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_derivation_is_openssls() {
        // What `openssl enc -aes-256-cbc -P -md md5 -S 0001020304050607 -pass pass:secret`
        // prints as its key: two rounds of MD5 for a 32-byte key.
        let salt = [0, 1, 2, 3, 4, 5, 6, 7];
        let key = "035FB8145B73CF111570DC936112BE9C375A5D3D8B915BC213BDBEF9DBFB7851";
        assert_eq!(bytes_to_key(b"secret", &salt, 32), hex(key).unwrap());
        assert_eq!(bytes_to_key(b"secret", &salt, 16), hex(&key[..32]).unwrap());
    }

    #[test]
    fn only_a_whole_der_sequence_counts() {
        assert!(is_one_der_sequence(&[0x30, 0x02, 0x05, 0x00]));
        assert!(!is_one_der_sequence(&[0x30, 0x03, 0x05, 0x00]));
        assert!(!is_one_der_sequence(&[0x31, 0x02, 0x05, 0x00]));
        let mut long = vec![0x30, 0x82, 0x01, 0x00];
        long.resize(4 + 256, 0);
        assert!(is_one_der_sequence(&long));
        assert!(!is_one_der_sequence(&[0x30]));
        assert!(!is_one_der_sequence(&[0x30, 0x84, 0, 0, 0, 0]));
    }

    #[test]
    fn what_is_not_an_encrypted_pem_key_is_left_to_libssh2() {
        assert_eq!(pem_passphrase_fits("", b"x"), None);
        assert_eq!(
            pem_passphrase_fits(
                "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n",
                b"x"
            ),
            None,
            "not encrypted"
        );
        assert_eq!(
            pem_passphrase_fits(
                "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,0001020304050607\n\nMIIB\n-----END RSA PRIVATE KEY-----\n",
                b"x"
            ),
            None,
            "a cipher not handled here"
        );
    }
}
