//! The web application, black box: the real binary serves a fresh database (on the engine under
//! test) on a random port (`common::spawn_app`), and a real HTTP client (with cookies, without
//! following redirects) reads its pages and calls its API as each kind of user would, and as
//! users who must be refused. Every refusal is checked to have written nothing.

mod api;
mod books;
mod roles;
mod subsidies;
