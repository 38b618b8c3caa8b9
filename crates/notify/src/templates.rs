//! The texts of notifications: one minijinja template per template name the
//! policy gives a notification (`action-taken/person` is the file
//! `action-taken/person.txt`). The defaults are built in, from
//! `crates/notify/templates/`; a deployment replaces any of them with a file
//! of the same name in a directory of its own, and may add partials there
//! (`{% include "_signature.txt" %}`).
//!
//! A rendered template starts with a `Subject:` line, then a blank line,
//! then the plain-text body. A level's text with no template of its own
//! falls back to the action's (`level-3/person` to `action-taken/person`,
//! `level-3/reporter` to `report-resolved/reporter`);
//! any other name with no template to `default.txt`, so a notification the
//! policy starts owing before its text is written still goes out.
//!
//! The moderator team writes versions of these texts from its pages
//! (TEMPLATE-1); they are in the log, and a notification that names a
//! version is rendered from it ([`Templates::render_text`]). A draft is
//! checked first ([`Templates::check`]): it must compile, use only the
//! placeholders its notification has, and render.

use std::path::Path;

use minijinja::value::ValueKind;
use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};

use crate::NotifyError;
use crate::context::Context;
use crate::sample;

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
    "level-0/person.txt",
    "level-0/reporter.txt",
    "level-1/list.txt",
    "level-1/person.txt",
    "level-1/reporter.txt",
    "level-2/list.txt",
    "level-2/person.txt",
    "level-2/reporter.txt",
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
        let text = self
            .template(template)
            .and_then(|t| t.render(context))
            .map_err(|e| format!("the mail template for {template} failed: {e:#}"))?;
        split(&text).map_err(|reason| format!("the mail template for {template} {reason}"))
    }

    /// Renders a version of a template the team wrote (TEMPLATE-1).
    pub fn render_text(
        &self,
        template: &str,
        text: &str,
        context: &Context,
    ) -> Result<Rendered, String> {
        let name = format!("{template}.txt");
        let text = self
            .env
            .render_named_str(&name, text, context)
            .map_err(|e| format!("the team's mail template for {template} failed: {e:#}"))?;
        split(&text).map_err(|reason| format!("the team's mail template for {template} {reason}"))
    }

    /// The template a name is rendered from: its own, a level's fallback,
    /// or the default.
    fn template(&self, template: &str) -> Result<minijinja::Template<'_, '_>, minijinja::Error> {
        match self.env.get_template(&format!("{template}.txt")) {
            Err(e) if e.kind() == ErrorKind::TemplateNotFound => match level_fallback(template) {
                Some(action) => self.env.get_template(action),
                None => self.env.get_template(FALLBACK),
            },
            found => found,
        }
    }

    /// The names of the texts the team may write: every notification's,
    /// and a level's for the person, the list and the reporter (TEMPLATE-1).
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .env
            .templates()
            .map(|(name, _)| name)
            .filter(|name| !partial(name) && *name != FALLBACK)
            .filter_map(|name| name.strip_suffix(".txt"))
            .map(str::to_owned)
            .collect();
        names.sort();
        names
    }

    /// Whether the team may write a text of this name.
    pub fn editable(&self, template: &str) -> bool {
        modpod_policy::model::level_of_template(template).is_some()
            || (!partial(template)
                && template != FALLBACK.trim_end_matches(".txt")
                && self.env.get_template(&format!("{template}.txt")).is_ok())
    }

    /// modpod's own text for a name (version 0): the built-in one or the
    /// deployment's, or what a level's text falls back to.
    pub fn source(&self, template: &str) -> Option<String> {
        self.template(template).ok().map(|t| t.source().to_owned())
    }

    /// Checks a draft of a text before it is recorded, and renders it as it
    /// would read, with a made-up record: the name must be one the team may
    /// write, the text must compile, use no placeholder its notification
    /// lacks, and render to a subject and a body. A problem names the field
    /// it is in: `name` or `text`.
    pub fn check(&self, template: &str, text: &str) -> Result<Rendered, (&'static str, String)> {
        if !self.editable(template) {
            return Err((
                "name",
                format!("{template} is not the name of a notification's text"),
            ));
        }
        self.check_text(template, text)
            .map_err(|reason| ("text", reason))
    }

    fn check_text(&self, template: &str, text: &str) -> Result<Rendered, String> {
        let name = format!("{template}.txt");
        let compiled = self
            .env
            .template_from_named_str(&name, text)
            .map_err(|e| format!("does not compile: {e:#}"))?;
        let context = sample::context(template);
        let root = Value::from_serialize(&context);
        let globals: Vec<&str> = self.env.globals().map(|(name, _)| name).collect();
        let mut unknown: Vec<String> = compiled
            .undeclared_variables(true)
            .into_iter()
            .filter(|path| {
                let first = path.split('.').next().unwrap_or_default();
                !globals.contains(&first) && !resolves(&root, path)
            })
            .collect();
        if !unknown.is_empty() {
            unknown.sort();
            let list: Vec<String> = unknown.iter().map(|p| format!("{{{{ {p} }}}}")).collect();
            return Err(format!(
                "uses placeholders this notification does not have: {}",
                list.join(", ")
            ));
        }
        let rendered = compiled
            .render(&context)
            .map_err(|e| format!("does not render: {e:#}"))?;
        split(&rendered)
    }
}

/// The placeholders a text for a notification of this name may use, as the
/// paths a template writes (`action.reason`); a list's items are named in
/// a loop (`{% for f in action.fora %}{{ f.name }}{% endfor %}`).
pub fn placeholders(template: &str) -> Vec<String> {
    fn walk(value: &Value, path: &str, out: &mut Vec<String>) {
        match value.kind() {
            ValueKind::Map => {
                for key in value.try_iter().into_iter().flatten() {
                    let Some(key) = key.as_str().map(str::to_owned) else {
                        continue;
                    };
                    let inner = value.get_attr(&key).unwrap_or_default();
                    let path = if path.is_empty() {
                        key
                    } else {
                        format!("{path}.{key}")
                    };
                    walk(&inner, &path, out);
                }
            }
            _ => out.push(path.to_owned()),
        }
    }
    let mut out = Vec::new();
    walk(
        &Value::from_serialize(sample::context(template)),
        "",
        &mut out,
    );
    out
}

/// The action's template a level's text falls back to.
fn level_fallback(template: &str) -> Option<&'static str> {
    match modpod_policy::model::level_of_template(template)?.1 {
        "person" => Some("action-taken/person.txt"),
        "reporter" => Some("report-resolved/reporter.txt"),
        _ => Some("action-taken/forum.txt"),
    }
}

/// Whether a placeholder's path (`action.reason`) names a member of the
/// context. Inside a list the members are the list's items', which the
/// template names by position or in a loop.
fn resolves(root: &Value, path: &str) -> bool {
    let mut value = root.clone();
    for key in path.split('.') {
        match value.kind() {
            ValueKind::Map => match value.get_attr(key) {
                Ok(next) if !next.is_undefined() => value = next,
                _ => return false,
            },
            ValueKind::Seq => return true,
            _ => return false,
        }
    }
    true
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
#[allow(clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_text_passes_the_check_a_draft_must_pass() {
        let templates = Templates::load(None).unwrap_or_else(|e| panic!("{e}"));
        let names = templates.names();
        assert!(names.contains(&"level-1/list".to_owned()));
        assert!(!names.iter().any(|n| n.starts_with('_') || n == "default"));
        for name in names {
            let source = templates.source(&name).unwrap_or_default();
            if let Err((_, e)) = templates.check(&name, &source) {
                panic!("{name}: {e}");
            }
        }
    }

    #[test]
    fn a_draft_with_an_unknown_placeholder_or_no_subject_is_refused() {
        let templates = Templates::load(None).unwrap_or_else(|e| panic!("{e}"));
        let check = |name: &str, text: &str| templates.check(name, text).map_err(|(_, e)| e);
        let preview = check(
            "level-1/person",
            "Subject: For {{ recipient.name }}\n\n{{ action.note }}\n{% for f in action.fora %}{{ f.name }}{% endfor %}\n",
        );
        assert_eq!(
            preview.as_ref().map(|r| r.subject.as_str()),
            Ok("For Alex Example")
        );
        assert!(preview.is_ok_and(|r| r.body.contains("example@ietf.org")));
        assert_eq!(
            check(
                "level-1/person",
                "Subject: x\n\n{{ action.nope }} {{ actor }}\n"
            ),
            Err(
                "uses placeholders this notification does not have: {{ action.nope }}, {{ actor }}"
                    .into()
            )
        );
        assert!(check("level-1/person", "Subject: x\n\n{{ action.reason.x }}\n").is_err());
        assert!(
            check("level-1/person", "Subject: x\n\n{% if %}\n")
                .is_err_and(|e| e.contains("compile"))
        );
        assert!(check("level-1/person", "no subject line\n").is_err_and(|e| e.contains("Subject")));
        assert!(check("_footer", "Subject: x\n\ny\n").is_err());
        assert!(check("default", "Subject: x\n\ny\n").is_err());
        assert!(check("nothing/here", "Subject: x\n\ny\n").is_err());
        // Includes of modpod's partials and loops' own names are fine.
        assert!(
            check(
                "action-taken/person",
                "Subject: x\n\n{% include \"_footer.txt\" %}\n"
            )
            .is_ok()
        );
    }

    #[test]
    fn the_placeholders_listed_are_those_a_draft_may_use() {
        let templates = Templates::load(None).unwrap_or_else(|e| panic!("{e}"));
        let all = placeholders("level-1/person");
        assert!(all.contains(&"action.reason".to_owned()));
        assert!(all.contains(&"action.fora".to_owned()));
        assert!(all.contains(&"recipient.name".to_owned()));
        let text: String = all.iter().map(|p| format!("{{{{ {p} }}}}\n")).collect();
        let checked = templates.check("level-1/person", &format!("Subject: x\n\n{text}"));
        assert!(checked.is_ok(), "{checked:?}");
    }

    #[test]
    fn a_level_without_a_text_of_its_own_reads_as_the_action_s() {
        let templates = Templates::load(None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            templates.source("level-9/person"),
            templates.source("action-taken/person")
        );
        assert_eq!(
            templates.source("level-9/list"),
            templates.source("action-taken/forum")
        );
        assert_eq!(
            templates.source("level-9/reporter"),
            templates.source("report-resolved/reporter")
        );
        assert!(templates.editable("level-9/list"));
        assert!(templates.editable("level-9/reporter"));
        assert!(!templates.editable("level-9/moderators"));
        assert_ne!(
            templates.source("level-1/reporter"),
            templates.source("report-resolved/reporter")
        );
    }

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
