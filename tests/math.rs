//! Math: TeX → tree → MathML, as data: inputs with the MathML snippets they must produce,
//! structural checks on the trees the PDF layout will typeset, fallbacks and hostile input.

use folio::math::{self, MathError, MathNode, MathVariant, OperatorClass};

/// (TeX, display, snippets the MathML must contain).
const CASES: &[(&str, bool, &[&str])] = &[
    ("x", false, &["<mi>x</mi>"]),
    ("x^2", false, &["<msup><mi>x</mi><mn>2</mn></msup>"]),
    ("x_i", false, &["<msub><mi>x</mi><mi>i</mi></msub>"]),
    ("x_i^2", false, &["<msubsup><mi>x</mi><mi>i</mi><mn>2</mn></msubsup>"]),
    ("x^{10}", false, &["<msup><mi>x</mi><mn>10</mn></msup>"]),
    ("x^23", false, &["<msup><mi>x</mi><mn>2</mn></msup><mn>3</mn>"]),
    ("3.14", false, &["<mn>3.14</mn>"]),
    ("a-b", false, &["<mi>a</mi><mo>−</mo><mi>b</mi>"]),
    ("a<b", false, &["<mo>&lt;</mo>"]),
    ("\\frac{a}{b}", false, &["<mfrac><mi>a</mi><mi>b</mi></mfrac>"]),
    ("\\frac12", false, &["<mfrac><mn>1</mn><mn>2</mn></mfrac>"]),
    ("\\dfrac{1}{n}", false, &["<mstyle displaystyle=\"true\"><mfrac><mn>1</mn><mi>n</mi></mfrac></mstyle>"]),
    ("\\binom{n}{k}", false, &["<mfrac linethickness=\"0\"><mi>n</mi><mi>k</mi></mfrac>", "form=\"prefix\" stretchy=\"true\">(</mo>"]),
    ("\\sqrt{2}", false, &["<msqrt><mn>2</mn></msqrt>"]),
    ("\\sqrt[3]{x}", false, &["<mroot><mi>x</mi><mn>3</mn></mroot>"]),
    ("\\alpha+\\beta", false, &["<mi>α</mi><mo>+</mo><mi>β</mi>"]),
    ("\\Gamma", false, &["<mi mathvariant=\"normal\">Γ</mi>"]),
    ("\\sum_{i=1}^n i", true, &["<munderover><mo>∑</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow><mi>n</mi></munderover>"]),
    ("\\sum_{i=1}^n i", false, &["<msubsup><mo largeop=\"false\">∑</mo>"]),
    ("\\int_0^1 f", true, &["<msubsup><mo>∫</mo><mn>0</mn><mn>1</mn></msubsup>"]),
    ("\\int\\limits_0^1 f", true, &["<munderover><mo>∫</mo>"]),
    ("\\lim_{x\\to 0} f(x)", true, &["<munder><mo movablelimits=\"true\">lim</mo><mrow><mi>x</mi><mo>→</mo><mn>0</mn></mrow></munder>"]),
    ("\\prod_k a_k", true, &["<munder><mo>∏</mo><mi>k</mi></munder>"]),
    ("\\sin x", false, &["<mi>sin</mi><mspace width=\"0.1667em\"></mspace><mi>x</mi>"]),
    ("\\sin(x)", false, &["<mi>sin</mi><mo stretchy=\"false\">(</mo>"]),
    ("\\log_2 n", false, &["<msub><mi>log</mi><mn>2</mn></msub><mspace width=\"0.1667em\"></mspace><mi>n</mi>"]),
    ("\\left( \\frac{a}{b} \\right)", false, &["<mrow><mo fence=\"true\" form=\"prefix\" stretchy=\"true\">(</mo><mfrac>", "form=\"postfix\" stretchy=\"true\">)</mo></mrow>"]),
    ("\\left\\{ x \\middle| x>0 \\right.", false, &["form=\"prefix\" stretchy=\"true\">{</mo>", "<mo stretchy=\"true\">|</mo>"]),
    ("\\hat{x}", false, &["<mover accent=\"true\"><mi>x</mi><mo stretchy=\"false\">^</mo></mover>"]),
    ("\\vec v", false, &["<mover accent=\"true\"><mi>v</mi><mo stretchy=\"false\">→</mo></mover>"]),
    ("\\overline{AB}", false, &["<mo stretchy=\"true\">¯</mo>"]),
    ("\\underbrace{a+b}_{n}", true, &["<munder accentunder=\"true\">", "⏟"]),
    ("\\mathbf{v}", false, &["<mi>𝐯</mi>"]),
    ("\\mathbb{R}", false, &["<mi>ℝ</mi>"]),
    ("\\mathcal{L}", false, &["<mi>ℒ</mi>"]),
    ("\\mathrm{d}x", false, &["<mi mathvariant=\"normal\">d</mi><mi>x</mi>"]),
    ("\\mathrm{max}", false, &["<mi>max</mi>"]),
    ("\\operatorname{rank} A", false, &["<mi>rank</mi>"]),
    ("\\text{if } x", false, &["<mtext>if\u{a0}</mtext>"]),
    ("a \\le b \\ne c \\approx d", false, &["<mo>≤</mo>", "<mo>≠</mo>", "<mo>≈</mo>"]),
    ("\\forall x \\in A, \\exists y", false, &["<mo>∀</mo>", "<mo>∈</mo>", "<mo>∃</mo>"]),
    ("\\partial f / \\partial x", false, &["<mi>∂</mi>", "<mo stretchy=\"false\" lspace=\"0em\" rspace=\"0em\">/</mo>"]),
    ("\\nabla \\cdot E", false, &["<mi>∇</mi><mo>⋅</mo>"]),
    ("a \\times b", false, &["<mo>×</mo>"]),
    ("\\infty", false, &["<mi>∞</mi>"]),
    ("f'(x)", false, &["<msup><mi>f</mi><mo>′</mo></msup>"]),
    ("a\\,b\\quad c", false, &["<mspace width=\"0.1667em\"></mspace>", "<mspace width=\"1em\"></mspace>"]),
    ("\\not= \\not\\in", false, &["<mo>≠</mo>", "<mo>∉</mo>"]),
    ("\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}", true, &["<mtable", "<mtr><mtd columnalign=\"center\" style=\"text-align: center; padding: 0.15em 0.4em\"><mi>a</mi></mtd>", "form=\"prefix\" stretchy=\"true\">(</mo>"]),
    ("|x| = \\begin{cases} x & x \\ge 0 \\\\ -x & \\text{otherwise} \\end{cases}", true, &["stretchy=\"true\">{</mo><mtable columnspacing=\"1em\"", "<mtd columnalign=\"left\""]),
    ("\\begin{aligned} a &= b + c \\\\ &= d \\end{aligned}", true, &["<mtable columnspacing=\"0em\" displaystyle=\"true\"", "<mtd columnalign=\"right\"", "<mtd columnalign=\"left\" style=\"text-align: left; padding: 0.15em 0\"><mrow><mo>=</mo><mi>d</mi></mrow></mtd>"]),
    ("\\begin{array}{lr} 1 & 2 \\\\ \\hline 3 & 4 \\end{array}", true, &["<mtd columnalign=\"right\" style=\"text-align: right; padding: 0.15em 0.4em\"><mn>4</mn></mtd>"]),
    ("\\bigl( x \\bigr)", false, &["minsize=\"1.2em\" maxsize=\"1.2em\">(</mo>"]),
    ("{}^{14}C", false, &["<msup><mrow></mrow><mn>14</mn></msup>"]),
    ("a \\pmod{n}", false, &["<mi>mod</mi>"]),
    ("x % a comment\n + 1", false, &["<mi>x</mi><mo>+</mo><mn>1</mn>"]),
];

#[test]
fn tex_to_mathml_table() {
    let mut failures = Vec::new();
    for (tex, display, snippets) in CASES {
        match math::to_mathml(tex, *display) {
            Ok(mathml) => {
                for snippet in *snippets {
                    if !mathml.contains(snippet) {
                        failures.push(format!("{tex:?}: missing {snippet:?}\n  in {mathml}"));
                    }
                }
            }
            Err(error) => failures.push(format!("{tex:?}: {error}")),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn math_element_is_epub3_ready() {
    let mathml = math::to_mathml("E = mc^2", true).unwrap();
    assert!(mathml.starts_with(
        "<math xmlns=\"http://www.w3.org/1998/Math/MathML\" display=\"block\" alttext=\"E = mc^2\"><semantics>"
    ));
    assert!(mathml.ends_with(
        "<annotation encoding=\"application/x-tex\">E = mc^2</annotation></semantics></math>"
    ));
    let inline = math::to_mathml("a<b", false).unwrap();
    assert!(inline.contains("display=\"inline\" alttext=\"a&lt;b\""), "{inline}");
    // Multi-line TeX stays on one line in alttext.
    let aligned = math::to_mathml("a\n&= b", false);
    assert!(aligned.is_err());
}

#[test]
fn every_case_is_well_formed_xml() {
    for (tex, display, _) in CASES {
        let mathml = math::to_mathml(tex, *display).unwrap();
        assert_balanced(&mathml);
    }
}

/// A minimal XML balance check: every start tag closed in order, no stray `<` or `&`.
fn assert_balanced(xml: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        let text = &rest[..start];
        assert!(!text.contains('>'), "stray > in {xml}");
        for (i, _) in text.match_indices('&') {
            let entity = &text[i..];
            assert!(
                entity.starts_with("&lt;")
                    || entity.starts_with("&gt;")
                    || entity.starts_with("&amp;")
                    || entity.starts_with("&quot;"),
                "bare & in {xml}"
            );
        }
        let end = rest[start..].find('>').expect("unclosed tag") + start;
        let tag = &rest[start + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}> in {xml}");
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap().to_string());
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed {stack:?} in {xml}");
}

#[test]
fn tree_shapes_for_layout() {
    let tree = math::parse("\\frac{a}{b}", false).unwrap();
    let MathNode::Row(items) = tree else { panic!("top level is a row") };
    assert!(matches!(&items[..], [MathNode::Frac { line: true, display: None, .. }]));

    let tree = math::parse("\\sum_{k=0}^{n} k", true).unwrap();
    let MathNode::Row(items) = tree else { panic!() };
    match &items[0] {
        MathNode::UnderOver { base, under: Some(_), over: Some(_) } => {
            assert!(matches!(**base, MathNode::Operator { class: OperatorClass::Large, .. }))
        }
        other => panic!("expected limits under and over ∑, got {other:?}"),
    }

    let tree = math::parse("\\mathbf{x} + \\alpha", false).unwrap();
    let MathNode::Row(items) = tree else { panic!() };
    assert_eq!(items[0], MathNode::Identifier { text: "x".into(), variant: MathVariant::Bold });
    assert!(matches!(&items[1], MathNode::Operator { class: OperatorClass::Binary, .. }));
    assert_eq!(items[2], MathNode::Identifier { text: "α".into(), variant: MathVariant::Italic });
}

#[test]
fn unsupported_constructs_are_named() {
    let cases: &[(&str, &str)] = &[
        ("\\color{red}{x}", "\\color"),
        ("\\begin{CD} a \\end{CD}", "\\begin{CD}"),
        ("a \\\\ b", "\\\\ outside an environment"),
        ("\\frobnicate", "\\frobnicate"),
    ];
    for (tex, construct) in cases {
        match math::parse(tex, false) {
            Err(MathError::Unsupported(named)) => assert_eq!(named, *construct, "{tex}"),
            other => panic!("{tex}: expected unsupported {construct}, got {other:?}"),
        }
    }
    let warning =
        math::fallback_warning("\\color{red}{x}", &MathError::Unsupported("\\color".into()));
    assert!(warning.message.contains("\\color"), "{}", warning.message);
}

#[test]
fn malformed_tex_is_an_error() {
    for tex in [
        "{x",
        "x}",
        "\\frac{a}",
        "\\left( x",
        "x \\right)",
        "\\sqrt[3",
        "x^",
        "x^^2",
        "x_1_2",
        "\\begin{matrix} a",
        "\\begin{matrix} a \\end{pmatrix}",
    ] {
        assert!(
            matches!(math::parse(tex, false), Err(MathError::Syntax(_))),
            "{tex}: {:?}",
            math::parse(tex, false)
        );
    }
}

#[test]
fn hostile_nesting_is_refused_without_overflow() {
    let braces = format!("{}x{}", "{".repeat(10_000), "}".repeat(10_000));
    assert_eq!(math::parse(&braces, false), Err(MathError::TooDeep));
    let fracs = "\\frac".repeat(10_000);
    assert_eq!(math::parse(&fracs, false), Err(MathError::TooDeep));
    let lefts = "\\left(".repeat(10_000);
    assert_eq!(math::parse(&lefts, false), Err(MathError::TooDeep));
    let scripts = "x^{".repeat(10_000);
    assert_eq!(math::parse(&scripts, false), Err(MathError::TooDeep));
    let text = format!("\\text{{{}}}", "{".repeat(10_000));
    assert!(math::parse(&text, false).is_err());
    let sqrt = "\\sqrt[".repeat(10_000);
    assert_eq!(math::parse(&sqrt, false), Err(MathError::TooDeep));
    // Forty levels are fine.
    let ok = format!("{}x{}", "{".repeat(40), "}".repeat(40));
    assert!(math::parse(&ok, false).is_ok());
}

#[test]
fn long_flat_input_parses() {
    let long = "a+".repeat(50_000) + "a";
    let tree = math::parse(&long, false).unwrap();
    let MathNode::Row(items) = tree else { panic!() };
    assert_eq!(items.len(), 100_001);
}

/// Random TeX-like input never panics, and whatever parses gives well-formed MathML.
#[test]
fn random_input_never_panics() {
    const PIECES: &[&str] = &[
        "x",
        "2",
        "{",
        "}",
        "^",
        "_",
        "\\frac",
        "\\sqrt",
        "[",
        "]",
        "\\left(",
        "\\right)",
        "\\middle|",
        "&",
        "\\\\",
        "\\begin{pmatrix}",
        "\\end{pmatrix}",
        "\\begin{cases}",
        "\\end{cases}",
        "\\text{a b}",
        "\\mathbf",
        "'",
        " ",
        "\\hat",
        "\\sum",
        "\\limits",
        "\\int",
        "\\alpha",
        "+",
        "-",
        "=",
        "\\not",
        "\\operatorname*{a}",
        "\\big(",
        "%",
        "\n",
        "\\",
        "\\rm",
        "é",
        "≤",
        "\\lim",
        "\\overset",
        "\\binom",
        "~",
        "\\,",
        "\\begin{array}{l|c}",
        "\\end{array}",
        "\\\\[2pt]",
    ];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = (next() % 24) as usize;
        let tex: String =
            (0..len).map(|_| PIECES[(next() % PIECES.len() as u64) as usize]).collect();
        for display in [false, true] {
            if let Ok(mathml) = math::to_mathml(&tex, display) {
                assert_balanced(&mathml);
            }
        }
    }
}
