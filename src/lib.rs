//! mfaenv: get an MFA-backed AWS session into a shell, and keep it there.
#![warn(missing_docs)]

pub mod atomic_file;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod complete;
pub mod config_edit;
pub mod error;
pub mod guard;
pub mod key_commands;
pub mod keystore;
pub mod lock;
pub mod log;
pub mod mfa;
pub mod obtain;
pub mod profile;
pub mod rotate;
pub mod sdk_settings;
pub mod session;
pub mod shell;
pub mod sts;
