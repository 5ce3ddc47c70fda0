//! PEM stores: a file, or a directory of files.
//!
//! Aliases come from file names: every file contributes entries named after its stem
//! (`tls/localhost.pem` → `localhost`), so a directory holds one entry per name and
//! `localhost.crt` beside `localhost.key` form a single entry. A name with a private key is a
//! key entry whose chain is that name's certificates in file order (leaf first). A name's
//! first certificate is also listed under the name itself, further ones under `name#2`,
//! `name#3`, … so that a bundle of CA certificates can be trusted entry by entry.

use std::collections::BTreeMap;
use std::path::Path;

use rustls_pki_types::pem::{PemObject, SectionKind};
use zilla_engine::vault::KeyEntry;

use crate::error::StoreProblem;
use crate::pkcs8;
use crate::store::{unreadable, LoadedStore};

/// What the files of one name hold.
#[derive(Default)]
struct Named {
    key: Option<Vec<u8>>,
    certificates: Vec<Vec<u8>>,
}

pub(crate) fn load(path: &Path) -> Result<LoadedStore, StoreProblem> {
    let metadata = std::fs::metadata(path).map_err(unreadable)?;
    let files = if metadata.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(unreadable)?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.is_file())
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    };

    let mut names: BTreeMap<String, Named> = BTreeMap::new();
    for file in files {
        let Some(stem) = file.file_stem().and_then(|stem| stem.to_str()) else {
            continue;
        };
        let bytes = std::fs::read(&file).map_err(unreadable)?;
        read_sections(&bytes, names.entry(stem.to_owned()).or_default())
            .map_err(|reason| malformed(format!("{}: {reason}", file.display())))?;
    }

    let mut loaded = LoadedStore::default();
    for (name, named) in names {
        for (index, certificate) in named.certificates.iter().enumerate() {
            let alias = match index {
                0 => name.clone(),
                _ => format!("{name}#{}", index + 1),
            };
            loaded.certificates.insert(alias, certificate.clone());
        }
        if let Some(private_key) = named.key {
            if named.certificates.is_empty() {
                return Err(StoreProblem::KeyWithoutCertificate { alias: name });
            }
            let entry = KeyEntry {
                private_key,
                chain: named.certificates,
            };
            loaded.keys.insert(name, entry);
        }
    }
    Ok(loaded)
}

fn read_sections(bytes: &[u8], named: &mut Named) -> Result<(), String> {
    for section in <(SectionKind, Vec<u8>)>::pem_slice_iter(bytes) {
        let (kind, der) = section.map_err(|error| error.to_string())?;
        let key = match kind {
            SectionKind::Certificate => {
                named.certificates.push(der);
                continue;
            }
            SectionKind::PrivateKey => Some(der),
            SectionKind::RsaPrivateKey => pkcs8::from_pkcs1(&der),
            SectionKind::EcPrivateKey => pkcs8::from_sec1(&der),
            _ => continue,
        };
        let key = key.ok_or("a private key that cannot be decoded")?;
        if named.key.replace(key).is_some() {
            return Err("more than one private key for one name".into());
        }
    }
    Ok(())
}

fn malformed(reason: String) -> StoreProblem {
    StoreProblem::Malformed {
        format: "PEM",
        reason,
    }
}
