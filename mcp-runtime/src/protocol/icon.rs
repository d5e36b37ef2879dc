//! What tools, prompts and resources may carry beyond their name and description: icons for
//! a client's UI and free-form `_meta`. One type, [`Extras`], so the three list entries are
//! written by one function.

use serde_json::{Map, Value};

/// An icon a client may show next to a tool, prompt, resource or the server itself
/// (MCP 2025-11-25). Built in `const` context, so a macro attribute can name a constant:
///
/// ```
/// use mcp_runtime::{mcp_tool, protocol::{Icon, IconTheme}};
///
/// const ICONS: &[Icon] = &[
///     Icon::new("https://example.com/calc.svg").mime_type("image/svg+xml"),
///     Icon::new("https://example.com/calc-dark.png")
///         .mime_type("image/png")
///         .sizes(&["48x48"])
///         .theme(IconTheme::Dark),
/// ];
///
/// /// Add two integers.
/// #[mcp_tool(icons = ICONS)]
/// async fn add(a: i64, b: i64) -> i64 { a + b }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Icon {
    /// An `https:` or `data:` URI of the image.
    pub src: &'static str,
    /// Its MIME type, when the URI does not make it obvious.
    pub mime_type: Option<&'static str>,
    /// The sizes it is available in (`"48x48"`, `"any"` for scalable formats).
    pub sizes: &'static [&'static str],
    /// The background the icon is designed for.
    pub theme: Option<IconTheme>,
}

/// The background an [`Icon`] is designed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IconTheme {
    /// For light backgrounds.
    Light,
    /// For dark backgrounds.
    Dark,
}

impl Icon {
    /// An icon at `src`.
    pub const fn new(src: &'static str) -> Icon {
        Icon {
            src,
            mime_type: None,
            sizes: &[],
            theme: None,
        }
    }

    /// Sets the MIME type.
    pub const fn mime_type(mut self, mime_type: &'static str) -> Icon {
        self.mime_type = Some(mime_type);
        self
    }

    /// Sets the sizes.
    pub const fn sizes(mut self, sizes: &'static [&'static str]) -> Icon {
        self.sizes = sizes;
        self
    }

    /// Sets the theme.
    pub const fn theme(mut self, theme: IconTheme) -> Icon {
        self.theme = Some(theme);
        self
    }

    pub(crate) fn to_json(self) -> Value {
        let mut icon = Map::new();
        icon.insert("src".into(), self.src.into());
        if let Some(mime_type) = self.mime_type {
            icon.insert("mimeType".into(), mime_type.into());
        }
        if !self.sizes.is_empty() {
            icon.insert("sizes".into(), self.sizes.into());
        }
        if let Some(theme) = self.theme {
            let theme = match theme {
                IconTheme::Light => "light",
                IconTheme::Dark => "dark",
            };
            icon.insert("theme".into(), theme.into());
        }
        Value::Object(icon)
    }
}

/// Icons and `_meta` of a tool, prompt or resource, from the `icons = ..` and `meta = ..`
/// keys of its attribute.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras {
    /// Icons for the client's UI.
    pub icons: &'static [Icon],
    /// Builds the `_meta` object of the list entry.
    pub meta: Option<fn() -> Map<String, Value>>,
}

impl Extras {
    /// Nothing extra.
    pub const NONE: Extras = Extras {
        icons: &[],
        meta: None,
    };

    /// Adds `icons` and `_meta` to a list entry.
    pub(crate) fn write_into(&self, entry: &mut Map<String, Value>) {
        if !self.icons.is_empty() {
            let icons = self.icons.iter().map(|icon| icon.to_json()).collect();
            entry.insert("icons".into(), Value::Array(icons));
        }
        if let Some(meta) = self.meta {
            entry.insert("_meta".into(), Value::Object(meta()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icons_and_meta_are_written_in_wire_form() {
        fn meta() -> Map<String, Value> {
            let mut m = Map::new();
            m.insert("com.example/owner".into(), "search-team".into());
            m
        }
        const ICONS: &[Icon] = &[
            Icon::new("https://example.com/a.svg"),
            Icon::new("https://example.com/b.png")
                .mime_type("image/png")
                .sizes(&["48x48", "96x96"])
                .theme(IconTheme::Dark),
        ];
        let mut entry = Map::new();
        Extras {
            icons: ICONS,
            meta: Some(meta),
        }
        .write_into(&mut entry);
        assert_eq!(
            Value::Object(entry),
            serde_json::json!({
                "icons": [
                    {"src": "https://example.com/a.svg"},
                    {"src": "https://example.com/b.png", "mimeType": "image/png",
                     "sizes": ["48x48", "96x96"], "theme": "dark"}
                ],
                "_meta": {"com.example/owner": "search-team"}
            })
        );
        let mut empty = Map::new();
        Extras::NONE.write_into(&mut empty);
        assert!(empty.is_empty());
    }
}
