//! The token endpoint's grant types, one file each.

pub mod authorization_code;
pub mod refresh_token;
