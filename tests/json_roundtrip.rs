//! Property test: for any document, reading back the JSON the JSON writer produces gives the
//! same document (`read(write(doc)) == doc`).

use folio::model::*;
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    // Include quotes, backslashes, control characters and non-BMP text: JSON escaping must hold.
    proptest::string::string_regex("[a-z \"\\\\\u{0}-\u{1f}é€😀]{0,12}").unwrap()
}

fn attr() -> impl Strategy<Value = Attr> {
    (
        proptest::option::of(text()),
        prop::collection::vec(text(), 0..2),
        prop::collection::vec((text(), text()), 0..2),
    )
        .prop_map(|(id, classes, attributes)| Attr { id, classes, attributes })
}

fn inline() -> impl Strategy<Value = Inline> {
    let leaf = prop_oneof![
        text().prop_map(|s| Inline::Text(s.into())),
        text().prop_map(|s| Inline::Code(s.into())),
        (any::<bool>(), text())
            .prop_map(|(display, tex)| Inline::Math(Box::new(Math { display, tex }))),
        Just(Inline::SoftBreak),
        Just(Inline::HardBreak),
        text().prop_map(|content| Inline::RawInline {
            format: RawFormat::Html,
            content: content.into()
        }),
    ];
    leaf.prop_recursive(3, 24, 3, |inner| {
        let inlines = prop::collection::vec(inner, 0..3);
        prop_oneof![
            inlines.clone().prop_map(|c| Inline::Emph(c.into())),
            inlines.clone().prop_map(|c| Inline::Strong(c.into())),
            inlines.clone().prop_map(|c| Inline::Strikeout(c.into())),
            inlines.clone().prop_map(|c| Inline::Superscript(c.into())),
            inlines.clone().prop_map(|c| Inline::Subscript(c.into())),
            (text(), text(), inlines.clone()).prop_map(|(url, title, content)| Inline::Link(
                Box::new(Link { url, title, content })
            )),
            (text(), text(), inlines.clone())
                .prop_map(|(url, title, alt)| Inline::Image(Box::new(Image { url, title, alt }))),
            inlines.prop_map(|content| Inline::Note(Box::new([Block::Paragraph(content.into())]))),
        ]
    })
}

fn block() -> impl Strategy<Value = Block> {
    let inlines = || prop::collection::vec(inline(), 0..4);
    let leaf = prop_oneof![
        inlines().prop_map(|content| Block::Paragraph(content.into())),
        inlines().prop_map(|content| Block::Plain(content.into())),
        (1u8..=6, attr(), inlines()).prop_map(|(level, attr, content)| Block::Heading {
            level,
            attr: Box::new(attr),
            content: content.into()
        }),
        (text(), text()).prop_map(|(info, code)| Block::CodeBlock { info, code }),
        text().prop_map(|content| Block::RawBlock { format: RawFormat::Html, content }),
        Just(Block::ThematicBreak),
        Just(Block::PageBreak),
        text().prop_map(Block::Preformatted),
        (
            prop::collection::vec(
                prop_oneof![
                    Just(Alignment::Default),
                    Just(Alignment::Left),
                    Just(Alignment::Center),
                    Just(Alignment::Right)
                ],
                1..3
            ),
            inlines(),
            prop::collection::vec(prop::collection::vec(inlines(), 1..3), 0..3)
        )
            .prop_map(|(alignments, head, rows)| {
                // Cells of one inline and of several: both `Inlines` layouts round-trip.
                let rows =
                    rows.into_iter().map(|row| row.into_iter().map(Cell::from).collect()).collect();
                Block::Table(Box::new(Table { alignments, header: vec![head.into()], rows }))
            }),
    ];
    leaf.prop_recursive(3, 16, 3, |inner| {
        let blocks = prop::collection::vec(inner, 0..3);
        let alert =
            prop_oneof![Just(None), Just(Some(AlertKind::Note)), Just(Some(AlertKind::Caution))];
        let kind = prop_oneof![
            Just(ListKind::Bullet),
            (
                any::<u64>(),
                prop_oneof![
                    Just(NumberStyle::Decimal),
                    Just(NumberStyle::LowerRoman),
                    Just(NumberStyle::UpperAlpha)
                ]
            )
                .prop_map(|(start, style)| ListKind::Ordered { start, style }),
        ];
        prop_oneof![
            (alert, blocks.clone())
                .prop_map(|(alert, content)| Block::BlockQuote { alert, content }),
            (
                kind,
                any::<bool>(),
                prop::collection::vec((proptest::option::of(any::<bool>()), blocks.clone()), 0..3)
            )
                .prop_map(|(kind, tight, items)| Block::List(List {
                    kind,
                    tight,
                    items: items
                        .into_iter()
                        .map(|(task, content)| ListItem { task, content })
                        .collect(),
                })),
            (prop::collection::vec(inline(), 0..2), prop::collection::vec(blocks, 1..3)).prop_map(
                |(term, definitions)| Block::DefinitionList(vec![DefinitionItem {
                    term,
                    definitions
                }])
            ),
        ]
    })
}

fn metadata() -> impl Strategy<Value = Metadata> {
    (
        proptest::option::of(text()),
        prop::collection::vec(text(), 0..3),
        proptest::option::of(text()),
        prop::collection::btree_map(text(), text(), 0..3),
    )
        .prop_map(|(title, authors, lang, extra)| Metadata {
            title,
            authors,
            lang,
            extra,
            ..Metadata::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn json_round_trip(meta in metadata(), blocks in prop::collection::vec(block(), 0..6)) {
        let document = Document { meta, blocks };
        let json = folio::writer::json::write(&document);
        let back = folio::reader::json::read(&json).expect("our own JSON reads back");
        prop_assert_eq!(back, document);
    }

    #[test]
    fn html_writer_never_panics_and_balances_main(meta in metadata(), blocks in prop::collection::vec(block(), 0..6)) {
        let document = Document { meta, blocks };
        let page = folio::writer::html::write(&document, &Default::default());
        prop_assert!(page.starts_with("<!DOCTYPE html>"));
        prop_assert_eq!(page.matches("<main>").count(), 1);
    }
}
