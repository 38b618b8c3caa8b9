//! The texts of notifications: one minijinja template per template name the
//! policy gives a notification (`action-taken/person` is the file
//! `action-taken/person.txt`). The defaults are built in, from
//! `crates/notify/templates/`; a deployment replaces any of them with a file
//! of the same name in a directory of its own, and may add partials there
//! (`{% include "_signature.txt" %}`).
//!
//! A rendered template starts with a `Subject:` line, then a blank line,
//! then the plain-text body. A name with no template falls back to
//! `default.txt`, so a notification the policy starts owing before its text
//! is written still goes out.

use std::path::Path;

use minijinja::{Environment, ErrorKind, UndefinedBehavior};

use crate::NotifyError;
use crate::context::Context;

macro_rules! built_in {
    ($($name:literal),* $(,)?) => {
        /// The built-in templates, by file name.
        const BUILT_IN: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../templates/", $name))),)*
        ];
    };
}

built_in!(
    "_appeal.txt",
    "_footer.txt",
    "_fora.txt",
    "_proposal.txt",
    "_message.txt",
    "_report.txt",
    "_terms.txt",
    "action-amended/administrators.txt",
    "action-amended/community.txt",
    "action-amended/forum.txt",
    "action-amended/moderators.txt",
    "action-amended/person.txt",
    "action-ended/person.txt",
    "action-rescinded/administrators.txt",
    "action-rescinded/moderators.txt",
    "action-rescinded/person.txt",
    "action-taken/administrators.txt",
    "action-taken/community.txt",
    "action-taken/forum.txt",
    "action-taken/moderators.txt",
    "action-taken/person.txt",
    "appeal-decided/appellant.txt",
    "appeal-decided/moderators.txt",
    "appeal-filed/decider.txt",
    "board-review-decided/person.txt",
    "case-message/administrators.txt",
    "case-message/moderators.txt",
    "case-message/person.txt",
    "case-message/reporter.txt",
    "circumvention/moderators.txt",
    "board-review-requested/board.txt",
    "community-report/community.txt",
    "consultation-answered/administrator.txt",
    "consultation-requested/moderators.txt",
    "default.txt",
    "digest/iesg.txt",
    "llc-action-lifted/person.txt",
    "llc-action/community.txt",
    "llc-action/iesg.txt",
    "llc-action/moderators.txt",
    "proposal-approval/ietf-chair.txt",
    "proposal-made/moderators.txt",
    "reinstatement-decided/person.txt",
    "reinstatement-requested/decider.txt",
    "report-acknowledged/reporter.txt",
    "report-escalated/administrators.txt",
    "report-escalated/moderators.txt",
    "report-filed/administrators.txt",
    "report-filed/moderators.txt",
    "report-referred/ombudsteam.txt",
    "report-reopened/administrators.txt",
    "report-reopened/moderators.txt",
    "report-resolved/reporter.txt",
    "step-down/iesg.txt",
    "step-down/person.txt",
    "suspension/forum.txt",
);

/// The template used for a name that has none.
const FALLBACK: &str = "default.txt";

/// The largest template file read from a deployment's directory.
const MAX_TEMPLATE: u64 = 256 * 1024;

/// A notification's text, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// Every template, compiled.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// The built-in templates, replaced or added to by the `.txt` files under
    /// `overrides`. Any template that does not compile is an error here, at
    /// start-up, rather than a failed delivery later.
    pub fn load(overrides: Option<&Path>) -> Result<Templates, NotifyError> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        let invalid = |name: &str, e: minijinja::Error| NotifyError::BadTemplate {
            name: name.to_owned(),
            reason: e.to_string(),
        };
        for (name, source) in BUILT_IN {
            env.add_template(name, source)
                .map_err(|e| invalid(name, e))?;
        }
        if let Some(dir) = overrides {
            let mut files = Vec::new();
            read_dir(dir, dir, &mut files)?;
            for (name, source) in files {
                if !BUILT_IN.iter().any(|(n, _)| *n == name) && !partial(&name) {
                    tracing::warn!(
                        template = %name,
                        "a mail template replaces no built-in one; it is used only where included"
                    );
                }
                env.add_template_owned(name.clone(), source)
                    .map_err(|e| invalid(&name, e))?;
            }
        }
        Ok(Templates { env })
    }

    /// Renders the template for a notification's template name.
    pub fn render(&self, template: &str, context: &Context) -> Result<Rendered, String> {
        let name = format!("{template}.txt");
        let found = match self.env.get_template(&name) {
            Err(e) if e.kind() == ErrorKind::TemplateNotFound => self.env.get_template(FALLBACK),
            found => found,
        };
        let text = found
            .and_then(|t| t.render(context))
            .map_err(|e| format!("the mail template for {template} failed: {e:#}"))?;
        split(&text).map_err(|reason| format!("the mail template for {template} {reason}"))
    }
}

fn partial(name: &str) -> bool {
    name.rsplit('/').next().is_some_and(|f| f.starts_with('_'))
}

/// Reads every `.txt` file under `dir`, named by its path below `root`.
fn read_dir(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> Result<(), NotifyError> {
    let failed = |reason: String| NotifyError::Templates {
        dir: root.display().to_string(),
        reason,
    };
    let entries = std::fs::read_dir(dir).map_err(|e| failed(format!("{}: {e}", dir.display())))?;
    for entry in entries {
        let path = entry
            .map_err(|e| failed(format!("{}: {e}", dir.display())))?
            .path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_none_or(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            read_dir(root, &path, out)?;
            continue;
        }
        if path.extension().and_then(|e| e.to_str()) != Some("txt") {
            continue;
        }
        let name = path
            .strip_prefix(root)
            .ok()
            .and_then(|p| p.to_str())
            .map(|p| p.replace(std::path::MAIN_SEPARATOR, "/"))
            .ok_or_else(|| failed(format!("{} has a name that is not UTF-8", path.display())))?;
        let size = std::fs::metadata(&path)
            .map_err(|e| failed(format!("{name}: {e}")))?
            .len();
        if size > MAX_TEMPLATE {
            return Err(failed(format!(
                "{name} is {size} bytes; a template may have at most {MAX_TEMPLATE}"
            )));
        }
        let source = std::fs::read_to_string(&path).map_err(|e| failed(format!("{name}: {e}")))?;
        out.push((name, source));
    }
    Ok(())
}

/// Splits a rendered template into its subject line and body.
fn split(text: &str) -> Result<Rendered, String> {
    let text = text.trim_start();
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let subject = first
        .strip_prefix("Subject:")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or("must start with a line \"Subject: ...\"")?;
    // Sections a template leaves out leave blank lines behind: one is enough.
    let mut body = String::new();
    for line in rest.trim_start_matches(['\r', '\n']).trim_end().lines() {
        let blank = line.trim().is_empty();
        if blank && body.ends_with("\n\n") {
            continue;
        }
        if !blank {
            body.push_str(line);
        }
        body.push('\n');
    }
    // A name or a reason may hold control characters: none reach a header.
    let subject = subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Ok(Rendered { subject, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_file_is_built_in() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut files = Vec::new();
        assert!(read_dir(&root, &root, &mut files).is_ok());
        let mut on_disk: Vec<String> = files.into_iter().map(|(name, _)| name).collect();
        let mut listed: Vec<String> = BUILT_IN.iter().map(|(n, _)| (*n).to_owned()).collect();
        on_disk.sort();
        listed.sort();
        assert_eq!(on_disk, listed);
    }

    #[test]
    fn the_subject_comes_first() {
        assert_eq!(
            split("\nSubject:  Hello \n\n\nBody\n\n  \n\n-- \nmore\n\n"),
            Ok(Rendered {
                subject: "Hello".into(),
                body: "Body\n\n-- \nmore\n".into()
            })
        );
        assert_eq!(
            split("Subject: a\rb\u{7}c\n").map(|r| r.subject),
            Ok("a b c".to_owned())
        );
        assert!(split("Hello\n\nBody").is_err());
        assert!(split("Subject:\n\nBody").is_err());
    }
}
