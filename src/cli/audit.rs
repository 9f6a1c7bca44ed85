//! The audit log's entry for a command that wrote, as the server audits its requests.

use super::{actor, community_of, reads_only, Cli, Command};
use crate::access::Access;
use crate::ledger::Ledger;

/// Audits a command that wrote, as the server audits its requests: the person it records (or
/// 命令行), the command, and its arguments with any password left out. A command that only
/// reads (a report, a list, a show) writes no entry.
pub(super) async fn audit_command<S: crate::app::AppStore>(ledger: &Ledger<S>, cli: &Cli) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (words, rest) = command_text(&args);
    let reads =
        reads_only(&cli.command) || matches!(words.rsplit(' ').next(), Some("list" | "show" | "status" | "preview" | "search" | "doctor"));
    if reads || matches!(cli.command, Command::Serve { .. }) {
        return;
    }
    let community = community_of(ledger, cli).await.ok().map(|c| c.id);
    let who = actor(&cli.command).map_or_else(|| "命令行".to_string(), |(_, name, _)| name.trim().to_string());
    let action = format!("cli.{}", words.replace(' ', "."));
    let entry = crate::access::AuditEntry {
        user_id: None,
        username: &who,
        community_id: community,
        action: &action,
        target: &rest,
        address: "命令行",
        request_id: "",
    };
    if let Err(e) = Access::new(ledger.store.clone()).audit(&entry).await {
        tracing::error!(error = %e, action, "audit entry not written");
    }
}

/// A command line's subcommand words ("voucher add") and the rest of its arguments, the
/// database and any password, token or secret left out (pure).
fn command_text(args: &[String]) -> (String, String) {
    let (mut words, mut rest) = (Vec::new(), Vec::new());
    let (mut hide_next, mut skip_next) = (false, false);
    let mut command = <Cli as clap::CommandFactory>::command();
    for a in args {
        if skip_next {
            skip_next = false;
            continue;
        }
        if hide_next {
            hide_next = false;
            rest.push("***".to_string());
            continue;
        }
        let secret = ["password", "token", "secret"].iter().any(|s| a.contains(s)) && a.starts_with("--");
        if a == "--db" || a.starts_with("--db=") {
            skip_next = a == "--db";
            continue;
        }
        // Words name subcommands while they are ones (clap's tree), then the arguments begin.
        let sub = rest.is_empty() && !a.starts_with('-') && command.find_subcommand(a).is_some();
        if sub {
            command = command.find_subcommand(a).cloned().unwrap_or(command);
            words.push(a.as_str());
        } else {
            hide_next = secret && !a.contains('=');
            rest.push(if secret && a.contains('=') { format!("{}=***", a.split('=').next().unwrap_or_default()) } else { a.clone() });
        }
    }
    (words.join(" "), rest.join(" "))
}

#[cfg(test)]
mod audit_tests {
    use super::command_text;

    #[test]
    fn a_command_is_audited_without_its_database_or_password() {
        let args: Vec<String> = ["--db", "x.db", "user", "add", "王会计", "--password", "秘密口令", "--role", "accountant"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (words, rest) = command_text(&args);
        assert_eq!(words, "user add");
        assert_eq!(rest, "王会计 --password *** --role accountant");
        let args: Vec<String> = ["pay", "--amount", "5.00", "--token=abc"].iter().map(|s| s.to_string()).collect();
        assert_eq!(command_text(&args), ("pay".to_string(), "--amount 5.00 --token=***".to_string()));
    }
}
