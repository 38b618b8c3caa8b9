//! Scenario tests of the moderation policy, one module per part of
//! the requirements (shared/REQUIREMENTS.md). Each test is named after the rule it proves
//! (`act_4_...` proves ACT-4); docs/requirements.md maps ids to tests.
//!
//! Every scenario starts from `World::ietf()`, a small IETF built only through
//! `decide`, so the fixture itself exercises the policy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod world;

mod actions;
mod alerts;
mod appeals;
mod evidence;
mod llc;
mod messages;
mod notify;
mod past_team_actions;
mod permits;
mod procedures;
mod quorum;
mod registry;
mod reinstatement;
mod reports;
mod schedule;
mod setup;
mod team;
mod templates;
mod transparency;
mod views;
