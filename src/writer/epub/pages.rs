//! The XHTML documents around chapter bodies: the page shell (XML declaration, doctype, head
//! with title and stylesheet) for each EPUB version, and the generated title and cover pages.

use super::xhtml::{encode_url, push_attr_escaped, push_text_escaped};
use super::Version;

/// What every page of a book shares.
pub struct Shell<'a> {
    /// Target version.
    pub version: Version,
    /// The book's language (a checked BCP 47 tag).
    pub lang: &'a str,
    /// Right-to-left script.
    pub rtl: bool,
}

impl Shell<'_> {
    /// A complete content document with `body` (already valid XHTML) as its body.
    pub fn page(&self, title: &str, body: &str) -> String {
        let mut out = String::with_capacity(body.len() + 512);
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let lang = self.lang;
        match self.version {
            Version::V3 => {
                out.push_str("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\"");
                out.push_str(&format!(" lang=\"{lang}\" xml:lang=\"{lang}\""));
            }
            Version::V2 => {
                out.push_str("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.1//EN\" \"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\"");
                out.push_str(&format!(" xml:lang=\"{lang}\""));
            }
        }
        if self.rtl {
            out.push_str(" dir=\"rtl\"");
        }
        out.push_str(">\n<head>\n");
        match self.version {
            Version::V3 => out.push_str("<meta charset=\"utf-8\" />\n"),
            Version::V2 => out.push_str(
                "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\" />\n",
            ),
        }
        out.push_str("<title>");
        push_text_escaped(&mut out, title);
        out.push_str("</title>\n<link rel=\"stylesheet\" type=\"text/css\" href=\"stylesheet.css\" />\n</head>\n<body>\n");
        out.push_str(body);
        if !body.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("</body>\n</html>\n");
        out
    }

    /// The generated title page: title, subtitle, authors and date.
    pub fn title_body(
        &self,
        title: &str,
        subtitle: Option<&str>,
        authors: &[String],
        date: Option<&str>,
    ) -> String {
        let mut out = String::new();
        self.open_section(&mut out, "titlepage");
        out.push_str("<h1 class=\"title\">");
        push_text_escaped(&mut out, title);
        out.push_str("</h1>\n");
        let mut line = |class: &str, text: &str| {
            if text.is_empty() {
                return;
            }
            out.push_str(&format!("<p class=\"{class}\">"));
            push_text_escaped(&mut out, text);
            out.push_str("</p>\n");
        };
        if let Some(subtitle) = subtitle {
            line("subtitle", subtitle);
        }
        for author in authors {
            line("author", author);
        }
        if let Some(date) = date {
            line("date", date);
        }
        self.close_section(&mut out);
        out
    }

    /// The cover page: the cover image, described by the title.
    pub fn cover_body(&self, image_path: &str, title: &str) -> String {
        let mut out = String::new();
        self.open_section(&mut out, "cover");
        out.push_str("<img class=\"cover-image\" src=\"");
        push_attr_escaped(&mut out, &encode_url(image_path));
        out.push_str("\" alt=\"");
        push_attr_escaped(&mut out, &format!("Cover: {title}"));
        out.push_str("\" />\n");
        self.close_section(&mut out);
        out
    }

    fn open_section(&self, out: &mut String, kind: &str) {
        match self.version {
            Version::V3 => {
                out.push_str(&format!("<section class=\"{kind}\" epub:type=\"{kind}\">\n"))
            }
            Version::V2 => out.push_str(&format!("<div class=\"{kind}\">\n")),
        }
    }

    fn close_section(&self, out: &mut String) {
        out.push_str(match self.version {
            Version::V3 => "</section>\n",
            Version::V2 => "</div>\n",
        });
    }
}
