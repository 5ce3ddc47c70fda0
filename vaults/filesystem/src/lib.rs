//! The filesystem vault: keys, trust and signers from PKCS#12 or PEM files
