//! Math in PDF layout, for now as readable text: TeX control words for Greek letters and common
//! operators become their Unicode characters, the rest of the source is kept, set in italics.
//! This is the one hook a real math typesetter replaces ([`inline_math`]).

/// How a piece of math text is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MathStyle {
    /// Italic (variables).
    pub italic: bool,
    /// Monospaced (source that could not be made readable).
    pub mono: bool,
}

/// Math as styled text pieces, for inline and display math alike.
pub fn inline_math(tex: &str) -> Vec<(String, MathStyle)> {
    vec![(readable_tex(tex), MathStyle { italic: true, mono: false })]
}

/// Replaces known TeX control words by Unicode and drops grouping braces.
pub fn readable_tex(tex: &str) -> String {
    let mut out = String::with_capacity(tex.len());
    let mut chars = tex.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_alphabetic() {
                        name.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if name.is_empty() {
                    // An escaped symbol (`\{`, `\,`): keep the symbol, turn spacing into space.
                    match chars.next() {
                        Some(',' | ';' | ':' | '!' | ' ') => out.push(' '),
                        Some('\\') => out.push(' '),
                        Some(s) => out.push(s),
                        None => {}
                    }
                } else if name == "frac" {
                    let numerator = group(&mut chars);
                    let denominator = group(&mut chars);
                    out.push_str(&parenthesize(&readable_tex(&numerator)));
                    out.push('/');
                    out.push_str(&parenthesize(&readable_tex(&denominator)));
                } else {
                    match symbol(&name) {
                        Some(s) => out.push_str(s),
                        None => {
                            out.push('\\');
                            out.push_str(&name);
                        }
                    }
                }
            }
            '^' | '_' => {
                out.push(c);
                if chars.peek() == Some(&'{') {
                    let inner = readable_tex(&group(&mut chars));
                    if inner.chars().count() > 1 {
                        out.push('(');
                        out.push_str(&inner);
                        out.push(')');
                    } else {
                        out.push_str(&inner);
                    }
                }
            }
            '{' | '}' => {}
            _ => out.push(c),
        }
    }
    out
}

/// Reads a `{…}` group (or a single character) after a command.
fn group(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    while chars.peek().is_some_and(|c| c.is_whitespace()) {
        chars.next();
    }
    if chars.peek() != Some(&'{') {
        return chars.next().map(String::from).unwrap_or_default();
    }
    chars.next();
    let mut depth = 1usize;
    let mut out = String::new();
    for c in chars.by_ref() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

fn parenthesize(text: &str) -> String {
    if text.chars().all(|c| c.is_alphanumeric()) {
        text.to_string()
    } else {
        format!("({text})")
    }
}

fn symbol(name: &str) -> Option<&'static str> {
    Some(match name {
        "alpha" => "α",
        "beta" => "β",
        "gamma" => "γ",
        "delta" => "δ",
        "epsilon" => "ε",
        "varepsilon" => "ε",
        "zeta" => "ζ",
        "eta" => "η",
        "theta" => "θ",
        "iota" => "ι",
        "kappa" => "κ",
        "lambda" => "λ",
        "mu" => "μ",
        "nu" => "ν",
        "xi" => "ξ",
        "pi" => "π",
        "rho" => "ρ",
        "sigma" => "σ",
        "tau" => "τ",
        "phi" => "φ",
        "varphi" => "φ",
        "chi" => "χ",
        "psi" => "ψ",
        "omega" => "ω",
        "Gamma" => "Γ",
        "Delta" => "Δ",
        "Theta" => "Θ",
        "Lambda" => "Λ",
        "Xi" => "Ξ",
        "Pi" => "Π",
        "Sigma" => "Σ",
        "Phi" => "Φ",
        "Psi" => "Ψ",
        "Omega" => "Ω",
        "sum" => "∑",
        "prod" => "∏",
        "int" => "∫",
        "infty" => "∞",
        "leq" | "le" => "≤",
        "geq" | "ge" => "≥",
        "neq" | "ne" => "≠",
        "approx" => "≈",
        "times" => "×",
        "cdot" => "·",
        "pm" => "±",
        "to" | "rightarrow" => "→",
        "leftarrow" => "←",
        "Rightarrow" => "⇒",
        "Leftrightarrow" => "⇔",
        "in" => "∈",
        "notin" => "∉",
        "subset" => "⊂",
        "subseteq" => "⊆",
        "cup" => "∪",
        "cap" => "∩",
        "forall" => "∀",
        "exists" => "∃",
        "partial" => "∂",
        "nabla" => "∇",
        "sqrt" => "√",
        "ldots" | "dots" => "…",
        "cdots" => "⋯",
        "equiv" => "≡",
        "sim" => "∼",
        "propto" => "∝",
        "neg" => "¬",
        "land" | "wedge" => "∧",
        "lor" | "vee" => "∨",
        "emptyset" => "∅",
        "mathbb" | "mathrm" | "mathbf" | "mathit" | "text" | "operatorname" | "left" | "right"
        | "displaystyle" => "",
        "quad" | "qquad" => " ",
        "log" => "log",
        "ln" => "ln",
        "sin" => "sin",
        "cos" => "cos",
        "tan" => "tan",
        "exp" => "exp",
        "lim" => "lim",
        "max" => "max",
        "min" => "min",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greek_and_operators_become_unicode() {
        assert_eq!(readable_tex(r"\alpha + \beta \leq \gamma"), "α + β ≤ γ");
        assert_eq!(readable_tex(r"x^{2}"), "x^2");
        assert_eq!(readable_tex(r"\frac{n(n+1)}{2}"), "(n(n+1))/2");
        assert_eq!(readable_tex(r"\sum_{i=1}^{n} i"), "∑_(i=1)^n i");
        assert_eq!(readable_tex(r"\unknown x"), r"\unknown x");
    }
}
