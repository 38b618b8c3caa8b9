//! A notification's context with every member filled in, made up: what the
//! team's texts are checked against when drafted and shown with in a preview
//! (TEMPLATE-1). No real record is shown to anyone this way.

use crate::context::*;
use modpod_policy::State;
use modpod_policy::transparency::{ActionCount, report};

fn forum(id: &str, name: &str) -> ForumCx {
    ForumCx {
        id: id.to_owned(),
        name: name.to_owned(),
    }
}

fn level(level: u8, name: &str) -> LevelCx {
    LevelCx {
        level,
        name: name.to_owned(),
    }
}

fn s(text: &str) -> Option<String> {
    Some(text.to_owned())
}

const STARTS: &str = "2026-03-02 10:00 UTC";
const ENDS: &str = "2026-03-16 10:00 UTC";

fn action() -> ActionCx {
    ActionCx {
        id: 7,
        person: "Alex Example".into(),
        measure: "temporary suspension",
        kind: "temporary_suspension",
        details: s("at most 2 posts per 1 day"),
        fora: vec![forum("example@ietf.org", "example@ietf.org")],
        starts: STARTS.into(),
        ends: s(ENDS),
        length: s("14 days"),
        restricts: true,
        spam: false,
        suspension: true,
        indefinite_suspension: false,
        status: "in force",
        taken_as: "the moderator team".into(),
        taken_by: s("Morgan Moderator"),
        reason: s("repeated personal attacks on the list after two notes"),
        rescinded_reason: s("it was taken on the wrong person"),
        amendment_reason: s("shortened after an apology"),
        appeal: AppealRouteCx {
            first: "the IETF chair".into(),
            then: vec!["the IESG", "the IAB"],
        },
        legacy: s("RFC 3683 posting-rights action"),
        reinstatement_from: s("2027-03-02"),
        level: Some(level(2, "Posting restriction")),
        next_level: Some(level(3, "A longer restriction")),
        note: s("Please take the two weeks to step back from the thread."),
        note_to_list: s("A participant may not post here for 14 days."),
        agreed_by: vec!["Morgan Moderator".into(), "Sam Second".into()],
    }
}

fn report_cx() -> ReportCx {
    ReportCx {
        id: 3,
        forum: forum("example@ietf.org", "example@ietf.org"),
        person: "Alex Example".into(),
        reporter: s("Robin Reporter"),
        category: "personal attack".into(),
        description: s("The message called another participant a liar."),
        links: vec!["https://mailarchive.ietf.org/arch/msg/example/abc".into()],
        filed: STARTS.into(),
        state: "resolved",
        outcome: s("an action was taken"),
    }
}

/// The sample context for a template: every member present.
pub fn context(template: &str) -> Context {
    let mut counts = report(
        &State::default(),
        jiff::Timestamp::UNIX_EPOCH,
        jiff::Timestamp::UNIX_EPOCH,
    );
    counts.reports.median_hours_to_acknowledge = Some(5.5);
    counts.actions.push(ActionCount {
        month: "2026-03".into(),
        action: "temporary_suspension",
        forum_kind: "mailing_list".into(),
        count: 1,
    });
    Context {
        notification: NoticeCx {
            id: 42,
            requirement: "NOTIFY-1".into(),
            template: template.to_owned(),
            version: 1,
        },
        amended: template.starts_with("action-amended/"),
        recipient: RecipientCx {
            kind: "person",
            name: "Alex Example".into(),
            public: false,
            forum: Some(forum("example@ietf.org", "example@ietf.org")),
        },
        action: Some(action()),
        report: Some(report_cx()),
        appeal: Some(AppealCx {
            id: 5,
            action: Some(action()),
            report: Some(3),
            appellant: "Alex Example".into(),
            grounds: "The posts were quoted out of context.".into(),
            before: "the IETF chair".into(),
            decision: Some(DecisionCx {
                upheld: false,
                rationale: "The posts speak for themselves.".into(),
                by: "the IETF chair".into(),
                at: STARTS.into(),
            }),
            next: Some("the IESG"),
        }),
        reinstatement: Some(ReinstatementCx {
            id: 2,
            person: "Alex Example".into(),
            action: Some(action()),
            statement: "I have read the code of conduct again.".into(),
            reinstated: Some(true),
            conditions: s("a rate limit for a month"),
            rationale: s("a year without incident elsewhere"),
            next_request_from: "2028-03-02".into(),
        }),
        llc_action: Some(LlcActionCx {
            id: 1,
            person: "Alex Example".into(),
            fora: vec![forum("example@ietf.org", "example@ietf.org")],
            grounds: "legal".into(),
            nature: "suspension".into(),
            reason: s("a court order"),
            expected_duration: "until the order ends".into(),
            taken: STARTS.into(),
            lifted: s(ENDS),
            board_decision: Some(BoardDecisionCx {
                lift: false,
                rationale: "The order stands.".into(),
                at: ENDS.into(),
            }),
        }),
        period: Some(PeriodCx {
            from: STARTS.into(),
            to: ENDS.into(),
            actions: vec![action()],
            counts: Some(counts),
        }),
        moderator: Some(ModeratorCx {
            name: "Morgan Moderator".into(),
            role: s("iab_member"),
        }),
        consultation: Some(ConsultationCx {
            administrator: "Casey Chair".into(),
            note: "Is a suspension proportionate here?".into(),
            moderator: s("Morgan Moderator"),
            answer: s("Yes, after two notes."),
        }),
        proposal: Some(ProposalCx {
            id: 4,
            summary: "temporary suspension for alex on example@ietf.org (level 2)".into(),
            proposed_by: "Morgan Moderator".into(),
            reason: s("a third disruption after two notes"),
            level: Some(level(2, "Posting restriction")),
            skip_reason: s("personal attacks"),
            to_person: s("Please take the two weeks to step back from the thread."),
            to_list: s("A participant may not post here for 14 days."),
            waiting_for: s("the IETF chair's approval"),
            expires: ENDS.into(),
        }),
        message: Some(MessageCx {
            number: 2,
            thread: "person",
            from_party: false,
            by: s("Morgan Moderator"),
            text: s("Could you tell us more about the thread?"),
        }),
        alert: Some(AlertCx {
            id: 0,
            kind: "identity_linked",
            person: "Alex Example".into(),
            identity: "email:alex@elsewhere.example".into(),
            forum: Some(forum("example@ietf.org", "example@ietf.org")),
            seen: s(STARTS),
            actions: vec![action()],
        }),
        page: s("/cases/3"),
        link: s("https://modpod.example/cases/3"),
        announce_suspensions_over_days: modpod_policy::settings::ANNOUNCE_SUSPENSIONS_OVER_DAYS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nulls(path: &str, v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Null => out.push(path.to_owned()),
            serde_json::Value::Object(members) => {
                for (k, v) in members {
                    nulls(&format!("{path}.{k}"), v, out);
                }
            }
            serde_json::Value::Array(items) if items.is_empty() => out.push(path.to_owned()),
            serde_json::Value::Array(items) => {
                for v in items {
                    nulls(&format!("{path}[]"), v, out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn the_sample_fills_in_every_member() {
        let value = serde_json::to_value(context("action-taken/person")).unwrap_or_default();
        let mut missing = Vec::new();
        nulls("", &value, &mut missing);
        assert!(value.is_object());
        assert_eq!(missing, Vec::<String>::new(), "members left empty");
    }
}
