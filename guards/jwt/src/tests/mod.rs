mod authorize;
mod check;
mod keys_url;
mod rejections;
mod support;
