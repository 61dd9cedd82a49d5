//! The TeX math parser: the common LaTeX/amsmath subset into a [`MathNode`] tree.
//!
//! A single left-to-right pass over the characters with no backtracking, so time is linear in
//! the input. Nesting (groups, arguments, `\left`, environments) is counted and refused beyond
//! [`MAX_DEPTH`], so hostile input cannot overflow the stack. Anything outside the supported
//! subset is an error naming the construct, and the caller shows the TeX source instead.

use super::symbols::{self, Symbol};
use super::tree::{ColumnAlign, MathNode, MathVariant, OperatorClass, TableKind};
use super::{MathError, MAX_DEPTH};

/// Parses TeX math; `display` places the limits of `\sum` and `\lim` under and over them.
pub fn parse(tex: &str, display: bool) -> Result<MathNode, MathError> {
    let mut parser = Parser { chars: tex.chars().collect(), pos: 0, depth: 0, display };
    let row = parser.row(Stop::End)?;
    match parser.peek_token() {
        None => Ok(row),
        Some(token) => Err(MathError::unexpected(&token.describe())),
    }
}

/// What ends a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// End of input only.
    End,
    /// `}` (the caller consumes it).
    Brace,
    /// `]` of an optional argument.
    Bracket,
    /// `\right` or `\middle`.
    Right,
    /// `&`, `\\` or `\end` inside an environment.
    Cell,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Char(char),
    Command(String),
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Char(c) => c.to_string(),
            Token::Command(name) => format!("\\{name}"),
        }
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
    display: bool,
}

impl Parser {
    // --- Tokens -------------------------------------------------------------------------------

    fn skip_space(&mut self) {
        while let Some(&c) = self.chars.get(self.pos) {
            if c.is_whitespace() {
                self.pos += 1;
            } else if c == '%' {
                // A TeX comment runs to the end of the line.
                while self.chars.get(self.pos).is_some_and(|&c| c != '\n') {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// The next token after spaces, without consuming it; returns its length in chars too.
    fn token_at(&self, start: usize) -> Option<(Token, usize)> {
        let c = *self.chars.get(start)?;
        if c != '\\' {
            return Some((Token::Char(c), 1));
        }
        let mut end = start + 1;
        while self.chars.get(end).is_some_and(|c| c.is_ascii_alphabetic()) {
            end += 1;
        }
        if end == start + 1 {
            // A control symbol: `\,` `\{` `\\`; a lone trailing backslash is a space.
            return match self.chars.get(end) {
                Some(&c) => Some((Token::Command(c.to_string()), 2)),
                None => Some((Token::Command(" ".to_string()), 1)),
            };
        }
        let name: String = self.chars[start + 1..end].iter().collect();
        Some((Token::Command(name), end - start))
    }

    fn peek_token(&mut self) -> Option<Token> {
        self.skip_space();
        self.token_at(self.pos).map(|(token, _)| token)
    }

    fn next_token(&mut self) -> Option<Token> {
        self.skip_space();
        let (token, len) = self.token_at(self.pos)?;
        self.pos += len;
        Some(token)
    }

    fn expect_char(&mut self, wanted: char, context: &str) -> Result<(), MathError> {
        match self.next_token() {
            Some(Token::Char(c)) if c == wanted => Ok(()),
            Some(other) => Err(MathError::syntax(format!(
                "expected `{wanted}` {context}, found `{}`",
                other.describe()
            ))),
            None => Err(MathError::syntax(format!("expected `{wanted}` {context}, found the end"))),
        }
    }

    /// Counts one level of nesting, refusing past [`MAX_DEPTH`].
    fn enter(&mut self) -> Result<(), MathError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(MathError::too_deep());
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // --- Rows ---------------------------------------------------------------------------------

    /// Atoms with their scripts until `stop` (not consumed).
    fn row(&mut self, stop: Stop) -> Result<MathNode, MathError> {
        self.enter()?;
        let result = self.row_items(stop);
        self.leave();
        result.map(MathNode::Row)
    }

    fn row_items(&mut self, stop: Stop) -> Result<Vec<MathNode>, MathError> {
        let mut items: Vec<MathNode> = Vec::new();
        // Old-style font switches (`{\rm d}x`) apply to the rest of the row.
        let mut switched: Option<MathVariant> = None;
        loop {
            let Some(token) = self.peek_token() else {
                return match stop {
                    Stop::End => Ok(items),
                    Stop::Brace => Err(MathError::syntax("a `{` is never closed".into())),
                    Stop::Bracket => Err(MathError::syntax("a `[` is never closed".into())),
                    Stop::Right => Err(MathError::syntax("`\\left` without `\\right`".into())),
                    Stop::Cell => Err(MathError::syntax("`\\begin` without `\\end`".into())),
                };
            };
            match (&token, stop) {
                (Token::Char('}'), Stop::Brace) | (Token::Char(']'), Stop::Bracket) => {
                    return Ok(items)
                }
                (Token::Command(name), Stop::Right) if name == "right" || name == "middle" => {
                    return Ok(items)
                }
                (Token::Char('&'), Stop::Cell) => return Ok(items),
                (Token::Command(name), Stop::Cell) if name == "\\" || name == "end" => {
                    return Ok(items)
                }
                (Token::Char('}'), _) => {
                    return Err(MathError::syntax("a `}` closes nothing".into()))
                }
                (Token::Command(name), _) if name == "right" => {
                    return Err(MathError::syntax("`\\right` without `\\left`".into()))
                }
                (Token::Command(name), _) if name == "end" => {
                    return Err(MathError::syntax("`\\end` without `\\begin`".into()))
                }
                (Token::Command(name), _) if name == "\\" => {
                    return Err(MathError::unsupported("\\\\ outside an environment"))
                }
                (Token::Char('&'), _) => {
                    return Err(MathError::unsupported("& outside an environment"))
                }
                _ => {}
            }
            if let Token::Command(name) = &token {
                if let Some(variant) = old_font_switch(name) {
                    self.next_token();
                    switched = Some(variant);
                    continue;
                }
                if matches!(
                    name.as_str(),
                    "displaystyle"
                        | "textstyle"
                        | "scriptstyle"
                        | "scriptscriptstyle"
                        | "nonumber"
                        | "notag"
                        | "allowbreak"
                        | "relax"
                ) {
                    self.next_token();
                    continue;
                }
            }
            let atom = self.atom()?;
            let atom = match switched {
                Some(variant) => apply_variant(atom, variant),
                None => atom,
            };
            let with_scripts = self.scripts(atom)?;
            items.push(with_scripts);
        }
    }

    /// Attaches `_`, `^`, primes and `\limits` to `base`.
    fn scripts(&mut self, base: MathNode) -> Result<MathNode, MathError> {
        let mut limits = match &base {
            MathNode::Operator { class: OperatorClass::Limits, .. } => Some(self.display),
            // Integrals keep their limits beside them even in display math, as in TeX.
            MathNode::Operator { class: OperatorClass::Large, text, .. } => {
                Some(self.display && !is_integral(text))
            }
            _ => None,
        };
        let mut sub: Option<MathNode> = None;
        let mut sup: Option<MathNode> = None;
        let mut primes = String::new();
        loop {
            match self.peek_token() {
                Some(Token::Command(name)) if name == "limits" || name == "nolimits" => {
                    self.next_token();
                    if limits.is_none() {
                        return Err(MathError::syntax("`\\limits` must follow an operator".into()));
                    }
                    limits = Some(name == "limits");
                }
                Some(Token::Char('\'')) => {
                    self.next_token();
                    primes.push('′');
                }
                Some(Token::Char('_')) => {
                    self.next_token();
                    if sub.is_some() {
                        return Err(MathError::syntax("double subscript".into()));
                    }
                    sub = Some(self.argument()?);
                }
                Some(Token::Char('^')) => {
                    self.next_token();
                    if sup.is_some() {
                        return Err(MathError::syntax("double superscript".into()));
                    }
                    let script = self.argument()?;
                    sup = Some(if primes.is_empty() {
                        script
                    } else {
                        MathNode::Row(vec![prime_operator(std::mem::take(&mut primes)), script])
                    });
                }
                _ => break,
            }
        }
        if !primes.is_empty() {
            if sup.is_some() {
                return Err(MathError::syntax("double superscript".into()));
            }
            sup = Some(prime_operator(primes));
        }
        if sub.is_none() && sup.is_none() {
            return Ok(base);
        }
        let (base, sub, sup) = (Box::new(base), sub.map(Box::new), sup.map(Box::new));
        Ok(if limits == Some(true) {
            MathNode::UnderOver { base, under: sub, over: sup }
        } else {
            MathNode::Scripts { base, sub, sup }
        })
    }

    /// A script or command argument: one token, or a `{…}` group.
    fn argument(&mut self) -> Result<MathNode, MathError> {
        match self.peek_token() {
            None => Err(MathError::syntax("an argument is missing at the end".into())),
            Some(Token::Char('{')) => {
                self.next_token();
                let row = self.row(Stop::Brace)?;
                self.expect_char('}', "to close the group")?;
                Ok(unwrap_single(row))
            }
            Some(Token::Char(c)) if c.is_ascii_digit() => {
                // `x^23` is x² followed by 3: a script takes one digit, not a number.
                self.next_token();
                Ok(MathNode::Number(c.to_string()))
            }
            Some(Token::Char(c @ ('}' | '&' | '^' | '_'))) => {
                Err(MathError::syntax(format!("`{c}` cannot be an argument")))
            }
            Some(_) => {
                self.enter()?;
                let atom = self.atom();
                self.leave();
                atom
            }
        }
    }

    /// A `{…}` argument read as raw text (`\text`, environment names, array column specs).
    fn text_argument(&mut self) -> Result<String, MathError> {
        self.skip_space();
        if self.chars.get(self.pos) != Some(&'{') {
            // `\text x`: a single character.
            let c = self
                .chars
                .get(self.pos)
                .copied()
                .ok_or_else(|| MathError::syntax("an argument is missing at the end".into()))?;
            self.pos += 1;
            return Ok(c.to_string());
        }
        self.pos += 1;
        let mut text = String::new();
        let mut level = 0usize;
        loop {
            let Some(&c) = self.chars.get(self.pos) else {
                return Err(MathError::syntax("a `{` is never closed".into()));
            };
            self.pos += 1;
            match c {
                '{' => {
                    level += 1;
                    if level > MAX_DEPTH {
                        return Err(MathError::too_deep());
                    }
                }
                '}' if level == 0 => return Ok(text),
                '}' => level -= 1,
                '\\' => match self.chars.get(self.pos) {
                    Some(&e @ ('{' | '}' | '$' | '&' | '%' | '#' | '_' | ' ' | '\\')) => {
                        self.pos += 1;
                        text.push(if e == '\\' { ' ' } else { e });
                    }
                    _ => text.push('\\'),
                },
                '~' => text.push('\u{a0}'),
                _ => text.push(c),
            }
        }
    }

    // --- Atoms --------------------------------------------------------------------------------

    fn atom(&mut self) -> Result<MathNode, MathError> {
        let Some(token) = self.next_token() else {
            return Err(MathError::syntax("unexpected end".into()));
        };
        match token {
            Token::Char(c) => self.char_atom(c),
            Token::Command(name) => self.command(&name),
        }
    }

    fn char_atom(&mut self, c: char) -> Result<MathNode, MathError> {
        use OperatorClass::*;
        Ok(match c {
            '{' => {
                let row = self.row(Stop::Brace)?;
                self.expect_char('}', "to close the group")?;
                // A braced group is one atom: `{a+b}^2` scripts the whole group.
                row
            }
            '0'..='9' | '.'
                if c != '.' || self.chars.get(self.pos).is_some_and(char::is_ascii_digit) =>
            {
                let mut number = c.to_string();
                while let Some(&next) = self.chars.get(self.pos) {
                    let decimal_point = next == '.'
                        && self.chars.get(self.pos + 1).is_some_and(char::is_ascii_digit);
                    if next.is_ascii_digit() || decimal_point {
                        number.push(next);
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                MathNode::Number(number)
            }
            '+' => operator("+", Binary),
            '-' => operator("−", Binary),
            '*' => operator("∗", Binary),
            '=' | '<' | '>' => operator(&c.to_string(), Relation),
            ':' => operator(":", Relation),
            '(' | '[' => operator(&c.to_string(), Open),
            ')' | ']' => operator(&c.to_string(), Close),
            ',' | ';' => operator(&c.to_string(), Punctuation),
            '!' | '?' => operator(&c.to_string(), Close),
            '/' | '|' | '.' | '@' | '"' | '`' => operator(&c.to_string(), Ordinary),
            '~' => MathNode::Space(6),
            '^' | '_' => {
                // A script with no base: `^{14}C`.
                self.pos -= 1;
                self.scripts(MathNode::empty())?
            }
            '\'' => operator("′", Ordinary),
            '#' | '$' | '&' | '}' => {
                return Err(MathError::unsupported(&c.to_string()));
            }
            c if c.is_alphabetic() => MathNode::Identifier {
                text: c.to_string(),
                variant: if c.is_ascii() || is_lower_greek(c) {
                    MathVariant::Italic
                } else {
                    MathVariant::Normal
                },
            },
            c if c.is_numeric() => MathNode::Number(c.to_string()),
            c => operator(&c.to_string(), unicode_class(c)),
        })
    }

    fn command(&mut self, name: &str) -> Result<MathNode, MathError> {
        if let Some(symbol) = symbols::lookup(name) {
            return Ok(match symbol {
                Symbol::Identifier(text, variant) => {
                    MathNode::Identifier { text: text.to_string(), variant }
                }
                Symbol::Operator(text, class) => operator(text, class),
                Symbol::Function(text) => {
                    MathNode::Identifier { text: text.to_string(), variant: MathVariant::Normal }
                }
            });
        }
        if let Some(mu) = symbols::space(name) {
            return Ok(MathNode::Space(mu));
        }
        if let Some((accent, under, stretchy)) = symbols::accent(name) {
            let base = Box::new(self.argument()?);
            return Ok(MathNode::Accent { base, accent, under, stretchy });
        }
        if let Some(variant) = symbols::font(name) {
            if name == "operatorname" {
                let limits = self.chars.get(self.pos) == Some(&'*');
                if limits {
                    self.pos += 1;
                }
                let text = self.text_argument()?;
                let text = text.trim().to_string();
                return Ok(if limits {
                    operator(&text, OperatorClass::Limits)
                } else {
                    MathNode::Identifier { text, variant: MathVariant::Normal }
                });
            }
            let body = self.argument()?;
            return Ok(apply_variant(body, variant));
        }
        match name {
            "frac" | "dfrac" | "tfrac" | "cfrac" => {
                let num = Box::new(self.argument()?);
                let den = Box::new(self.argument()?);
                let display = match name {
                    "dfrac" | "cfrac" => Some(true),
                    "tfrac" => Some(false),
                    _ => None,
                };
                Ok(MathNode::Frac { num, den, line: true, display })
            }
            "binom" | "dbinom" | "tbinom" => {
                let num = Box::new(self.argument()?);
                let den = Box::new(self.argument()?);
                let display = match name {
                    "dbinom" => Some(true),
                    "tbinom" => Some(false),
                    _ => None,
                };
                let stack = MathNode::Frac { num, den, line: false, display };
                Ok(MathNode::Fenced { open: "(".into(), close: ")".into(), body: Box::new(stack) })
            }
            "sqrt" => {
                self.skip_space();
                if self.chars.get(self.pos) == Some(&'[') {
                    self.pos += 1;
                    let index = self.row(Stop::Bracket)?;
                    self.expect_char(']', "to close the root's index")?;
                    let radicand = self.argument()?;
                    Ok(MathNode::Root {
                        radicand: Box::new(radicand),
                        index: Box::new(unwrap_single(index)),
                    })
                } else {
                    Ok(MathNode::Sqrt(Box::new(self.argument()?)))
                }
            }
            "text" | "textrm" | "textnormal" | "mbox" | "hbox" | "textup" | "textit" | "textbf"
            | "texttt" | "textsf" => {
                let text = self.text_argument()?;
                Ok(MathNode::Text(text))
            }
            "overset" | "stackrel" | "underset" => {
                let script = Box::new(self.argument()?);
                let base = Box::new(self.argument()?);
                Ok(if name == "underset" {
                    MathNode::UnderOver { base, under: Some(script), over: None }
                } else {
                    MathNode::UnderOver { base, under: None, over: Some(script) }
                })
            }
            "left" => self.left_right(),
            "middle" => Err(MathError::syntax("`\\middle` outside `\\left … \\right`".into())),
            "big" | "Big" | "bigg" | "Bigg" | "bigl" | "Bigl" | "biggl" | "Biggl" | "bigr"
            | "Bigr" | "biggr" | "Biggr" | "bigm" | "Bigm" | "biggm" | "Biggm" => {
                let size = match name.trim_end_matches(['l', 'r', 'm']) {
                    "big" => 1,
                    "Big" => 2,
                    "bigg" => 3,
                    _ => 4,
                };
                let delimiter = self.delimiter(name)?;
                let class = match name.chars().last() {
                    Some('l') => OperatorClass::Open,
                    Some('r') => OperatorClass::Close,
                    Some('m') => OperatorClass::Relation,
                    _ => OperatorClass::Ordinary,
                };
                Ok(MathNode::Operator { text: delimiter.to_string(), class, stretchy: false, size })
            }
            "not" => {
                let next = self.argument()?;
                Ok(negate(next))
            }
            "pmod" => {
                let argument = self.argument()?;
                Ok(MathNode::Row(vec![
                    MathNode::Space(18),
                    operator("(", OperatorClass::Open),
                    MathNode::Identifier { text: "mod".into(), variant: MathVariant::Normal },
                    MathNode::Space(6),
                    argument,
                    operator(")", OperatorClass::Close),
                ]))
            }
            "mod" => Ok(MathNode::Row(vec![
                MathNode::Space(18),
                MathNode::Identifier { text: "mod".into(), variant: MathVariant::Normal },
                MathNode::Space(6),
            ])),
            "begin" => self.environment(),
            other => Err(MathError::unsupported(&format!("\\{other}"))),
        }
    }

    /// The delimiter after `\left`, `\right`, `\middle`, `\big…`.
    fn delimiter(&mut self, after: &str) -> Result<&'static str, MathError> {
        let token = self.next_token().ok_or_else(|| {
            MathError::syntax(format!("`\\{after}` needs a delimiter, found the end"))
        })?;
        let key = match &token {
            Token::Char(c) => c.to_string(),
            Token::Command(name) if name == "|" => "Vert".to_string(),
            Token::Command(name) => name.clone(),
        };
        symbols::delimiter(&key).ok_or_else(|| {
            MathError::unsupported(&format!("\\{after}{} (not a delimiter)", token.describe()))
        })
    }

    fn left_right(&mut self) -> Result<MathNode, MathError> {
        self.enter()?;
        let result = self.left_right_body();
        self.leave();
        result
    }

    fn left_right_body(&mut self) -> Result<MathNode, MathError> {
        let open = self.delimiter("left")?;
        let mut items = Vec::new();
        loop {
            let part = self.row(Stop::Right)?;
            if let MathNode::Row(children) = part {
                items.extend(children);
            }
            match self.next_token() {
                Some(Token::Command(name)) if name == "middle" => {
                    let middle = self.delimiter("middle")?;
                    items.push(MathNode::Operator {
                        text: middle.to_string(),
                        class: OperatorClass::Relation,
                        stretchy: true,
                        size: 0,
                    });
                }
                Some(Token::Command(name)) if name == "right" => break,
                _ => return Err(MathError::syntax("`\\left` without `\\right`".into())),
            }
        }
        let close = self.delimiter("right")?;
        Ok(MathNode::Fenced {
            open: open.to_string(),
            close: close.to_string(),
            body: Box::new(MathNode::Row(items)),
        })
    }

    // --- Environments -------------------------------------------------------------------------

    fn environment(&mut self) -> Result<MathNode, MathError> {
        self.enter()?;
        let result = self.environment_body();
        self.leave();
        result
    }

    fn environment_body(&mut self) -> Result<MathNode, MathError> {
        let name = self.text_argument()?;
        let (open, close, kind) = match name.as_str() {
            "matrix" | "smallmatrix" | "array" | "subarray" => ("", "", TableKind::Matrix),
            "pmatrix" => ("(", ")", TableKind::Matrix),
            "bmatrix" => ("[", "]", TableKind::Matrix),
            "Bmatrix" => ("{", "}", TableKind::Matrix),
            "vmatrix" => ("|", "|", TableKind::Matrix),
            "Vmatrix" => ("‖", "‖", TableKind::Matrix),
            "cases" | "dcases" => ("{", "", TableKind::Cases),
            "rcases" => ("", "}", TableKind::Cases),
            "aligned" | "align" | "align*" | "split" | "alignat" | "alignat*" | "alignedat"
            | "eqnarray" | "eqnarray*" | "flalign" | "flalign*" => ("", "", TableKind::Aligned),
            "gathered" | "gather" | "gather*" | "equation" | "equation*" | "multline"
            | "multline*" => ("", "", TableKind::Matrix),
            other => return Err(MathError::unsupported(&format!("\\begin{{{other}}}"))),
        };
        let mut columns = Vec::new();
        if matches!(name.as_str(), "array" | "subarray") {
            let spec = self.text_argument()?;
            columns = spec
                .chars()
                .filter_map(|c| match c {
                    'l' => Some(ColumnAlign::Left),
                    'c' => Some(ColumnAlign::Center),
                    'r' => Some(ColumnAlign::Right),
                    _ => None,
                })
                .collect();
        } else if matches!(name.as_str(), "alignat" | "alignat*" | "alignedat") {
            // The number of column pairs; the grid finds its own width.
            self.text_argument()?;
        }
        let mut rows: Vec<Vec<MathNode>> = Vec::new();
        let mut row: Vec<MathNode> = Vec::new();
        loop {
            self.skip_hline();
            let cell = self.row(Stop::Cell)?;
            row.push(unwrap_single(cell));
            match self.next_token() {
                Some(Token::Char('&')) => {}
                Some(Token::Command(name)) if name == "\\" => {
                    self.skip_optional_bracket();
                    rows.push(std::mem::take(&mut row));
                }
                Some(Token::Command(end)) if end == "end" => {
                    let closing = self.text_argument()?;
                    if closing != name {
                        return Err(MathError::syntax(format!(
                            "\\begin{{{name}}} ended by \\end{{{closing}}}"
                        )));
                    }
                    break;
                }
                _ => return Err(MathError::syntax(format!("\\begin{{{name}}} without \\end"))),
            }
        }
        // A trailing `\\` leaves one empty cell behind; drop it.
        if !(row.len() == 1 && row[0].is_empty()) {
            rows.push(row);
        }
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        if columns.is_empty() {
            columns = (0..width)
                .map(|i| match kind {
                    TableKind::Matrix => ColumnAlign::Center,
                    TableKind::Cases => ColumnAlign::Left,
                    TableKind::Aligned if i % 2 == 0 => ColumnAlign::Right,
                    TableKind::Aligned => ColumnAlign::Left,
                })
                .collect();
        }
        let table = MathNode::Table { rows, columns, kind };
        Ok(if open.is_empty() && close.is_empty() {
            table
        } else {
            MathNode::Fenced { open: open.into(), close: close.into(), body: Box::new(table) }
        })
    }

    fn skip_hline(&mut self) {
        while let Some(Token::Command(name)) = self.peek_token() {
            if name == "hline" || name == "hdashline" {
                self.next_token();
            } else {
                break;
            }
        }
    }

    /// Skips the `[2pt]` of `\\[2pt]`.
    fn skip_optional_bracket(&mut self) {
        self.skip_space();
        if self.chars.get(self.pos) == Some(&'[') {
            // A length is short; looking only a little ahead keeps hostile input linear.
            let window = &self.chars[self.pos..self.chars.len().min(self.pos + 24)];
            if let Some(close) = window.iter().position(|&c| c == ']') {
                self.pos += close + 1;
            }
        }
    }
}

fn operator(text: &str, class: OperatorClass) -> MathNode {
    MathNode::Operator { text: text.to_string(), class, stretchy: false, size: 0 }
}

fn prime_operator(primes: String) -> MathNode {
    let text = match primes.chars().count() {
        2 => "″".to_string(),
        3 => "‴".to_string(),
        _ => primes,
    };
    operator(&text, OperatorClass::Ordinary)
}

/// A one-element row is that element, so `x^{2}` and `x^2` give the same tree.
fn unwrap_single(node: MathNode) -> MathNode {
    match node {
        MathNode::Row(mut children) if children.len() == 1 => children.remove(0),
        other => other,
    }
}

fn is_integral(text: &str) -> bool {
    matches!(text, "∫" | "∬" | "∭" | "∮")
}

fn is_lower_greek(c: char) -> bool {
    ('\u{3b1}'..='\u{3c9}').contains(&c) || matches!(c, 'ϵ' | 'ϑ' | 'ϕ' | 'ϖ' | 'ϱ' | 'ϰ')
}

/// The class of an operator typed directly as Unicode (`≤`, `→`, `×`).
fn unicode_class(c: char) -> OperatorClass {
    match c {
        '\u{2190}'..='\u{21ff}' | '\u{27f0}'..='\u{27ff}' | '\u{2900}'..='\u{297f}' => {
            OperatorClass::Relation
        }
        '≤' | '≥' | '≠' | '≈' | '≡' | '∼' | '≃' | '≅' | '∝' | '∈' | '∉' | '∋' | '⊂' | '⊃' | '⊆'
        | '⊇' | '≪' | '≫' | '≺' | '≻' | '⊢' | '⊨' => OperatorClass::Relation,
        '±' | '∓' | '×' | '÷' | '⋅' | '∘' | '∙' | '⊕' | '⊗' | '∪' | '∩' | '∧' | '∨' | '∖' => {
            OperatorClass::Binary
        }
        '∑' | '∏' | '∫' | '∬' | '∭' | '∮' | '⋃' | '⋂' => OperatorClass::Large,
        '⟨' | '⌊' | '⌈' => OperatorClass::Open,
        '⟩' | '⌋' | '⌉' => OperatorClass::Close,
        _ => OperatorClass::Ordinary,
    }
}

/// `\rm`, `\bf` …: switches that change the face of the rest of the group.
fn old_font_switch(name: &str) -> Option<MathVariant> {
    match name {
        "rm" | "bf" | "it" | "cal" | "sf" | "tt" => symbols::font(name),
        _ => None,
    }
}

/// `\not=` → `≠`; other relations get a combining long solidus.
fn negate(node: MathNode) -> MathNode {
    match node {
        MathNode::Operator { text, class, stretchy, size } => {
            let text = match text.as_str() {
                "=" => "≠".to_string(),
                "∈" => "∉".to_string(),
                "≡" => "≢".to_string(),
                "<" => "≮".to_string(),
                ">" => "≯".to_string(),
                "≤" => "≰".to_string(),
                "≥" => "≱".to_string(),
                "⊂" => "⊄".to_string(),
                "⊆" => "⊈".to_string(),
                "∼" => "≁".to_string(),
                "≈" => "≉".to_string(),
                _ => format!("{text}\u{338}"),
            };
            MathNode::Operator { text, class, stretchy, size }
        }
        MathNode::Identifier { text, variant } => {
            MathNode::Identifier { text: format!("{text}\u{338}"), variant }
        }
        other => MathNode::Row(vec![operator("\u{338}", OperatorClass::Relation), other]),
    }
}

/// Sets the face of every identifier in `node` (`\mathbf{x+y}`). Upright faces join adjacent
/// letters into one name (`\mathrm{dx}` → `dx`), as TeX sets them without italic spacing.
/// Recursion follows the tree, which the parser has bounded to [`MAX_DEPTH`].
fn apply_variant(node: MathNode, variant: MathVariant) -> MathNode {
    match node {
        MathNode::Identifier { text, .. } => MathNode::Identifier { text, variant },
        MathNode::Number(text)
            if variant != MathVariant::Normal && variant != MathVariant::Italic =>
        {
            MathNode::Identifier { text, variant }
        }
        MathNode::Row(children) => {
            let mut out: Vec<MathNode> = Vec::with_capacity(children.len());
            for child in children {
                let child = apply_variant(child, variant);
                let join = variant == MathVariant::Normal;
                match (out.last_mut(), child) {
                    (
                        Some(MathNode::Identifier { text: previous, variant: v }),
                        MathNode::Identifier { text, variant: w },
                    ) if join
                        && *v == w
                        && previous.chars().all(char::is_alphabetic)
                        && text.chars().all(char::is_alphabetic) =>
                    {
                        previous.push_str(&text);
                    }
                    (_, child) => out.push(child),
                }
            }
            MathNode::Row(out)
        }
        MathNode::Scripts { base, sub, sup } => MathNode::Scripts {
            base: Box::new(apply_variant(*base, variant)),
            sub: sub.map(|s| Box::new(apply_variant(*s, variant))),
            sup: sup.map(|s| Box::new(apply_variant(*s, variant))),
        },
        MathNode::Frac { num, den, line, display } => MathNode::Frac {
            num: Box::new(apply_variant(*num, variant)),
            den: Box::new(apply_variant(*den, variant)),
            line,
            display,
        },
        MathNode::Accent { base, accent, under, stretchy } => MathNode::Accent {
            base: Box::new(apply_variant(*base, variant)),
            accent,
            under,
            stretchy,
        },
        MathNode::Sqrt(body) => MathNode::Sqrt(Box::new(apply_variant(*body, variant))),
        MathNode::Fenced { open, close, body } => {
            MathNode::Fenced { open, close, body: Box::new(apply_variant(*body, variant)) }
        }
        other => other,
    }
}
