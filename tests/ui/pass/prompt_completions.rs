use mcp_runtime::{mcp_prompt, prompt::{Completion, CompletionRequest, Prompt, PromptError}};

fn language(prefix: &str) -> Vec<String> {
    ["python", "rust"]
        .into_iter()
        .filter(|l| l.starts_with(prefix))
        .map(String::from)
        .collect()
}

fn styles(_: &str) -> Vec<&'static str> {
    vec!["terse", "verbose"]
}

mod completers {
    pub fn level(prefix: &str) -> mcp_runtime::prompt::Completion {
        mcp_runtime::prompt::Completion::matching(["beginner", "expert"], prefix)
    }
}

async fn framework(request: CompletionRequest) -> Result<Completion, PromptError> {
    let language = request
        .arguments
        .get("language")
        .cloned()
        .unwrap_or_default();
    let _ = request.ctx.is_cancelled();
    Ok(Completion::new(match language.as_str() {
        "rust" => vec!["actix-web", "axum"],
        _ => vec![],
    }))
}

/// Start a project.
#[mcp_prompt]
async fn scaffold(
    #[mcp(complete = language)] language: String,
    #[mcp(complete = framework)] framework: Option<String>,
    #[mcp(complete = styles)] style: Option<String>,
    #[mcp(complete = completers::level)] level: Option<String>,
    name: Option<String>,
) -> String {
    format!("{language} {framework:?} {style:?} {level:?} {name:?}")
}

fn main() {
    let args = <scaffold as Prompt>::SPEC.arguments();
    let with_completer: Vec<bool> = args.iter().map(|a| a.has_completer()).collect();
    assert_eq!(with_completer, [true, true, true, true, false]);
}
