//! Notes are written in Markdown; they are shown as HTML that has been through a
//! sanitiser, so nothing a person types can run script or break the page.

use pulldown_cmark::{Options, Parser, html};

/// Markdown to safe HTML (raw HTML in the input is escaped or removed; links get
/// `rel="noopener noreferrer"`).
pub fn to_html(md: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_TASKLISTS);
    let mut out = String::new();
    html::push_html(&mut out, Parser::new_ext(md, opts));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&out)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_sanitises() {
        let h = to_html("**Agreed** to meet monthly\n\n- one\n- two");
        assert!(
            h.contains("<strong>Agreed</strong>") && h.contains("<li>one</li>"),
            "{h}"
        );
        let h = to_html(
            "<script>alert(1)</script>\n\nSee [x](javascript:void) <img src=x onerror=alert(1)> [ok](https://example.org)",
        );
        assert!(!h.contains("<script"), "{h}");
        assert!(!h.contains("href=\"javascript"), "{h}");
        assert!(!h.contains("onerror"), "{h}");
        assert!(h.contains("href=\"https://example.org\""), "{h}");
    }
}
