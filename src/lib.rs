//! netinv: collect `show version` (or any show command) over SSH from a fleet of network
//! devices listed in a CSV inventory, and report what was found and why anything failed.

#![warn(missing_docs)]

pub mod audit;
pub mod backlog;
pub mod cli;
pub mod collect;
pub mod config;
pub mod deadline;
pub mod demo;
pub mod diff;
pub mod error;
pub mod exit;
pub mod facts;
pub mod files;
pub mod history;
pub mod inventory;
pub mod job;
pub mod keyfile;
pub mod logging;
pub mod outdir;
pub mod plan;
pub mod platform;
pub mod progress;
pub mod remote;
pub mod report;
pub mod run;
pub mod secret;
pub mod settings;
pub mod sim;
pub mod spool;
pub mod ssh;
pub mod ssh_config;
pub mod sys;
