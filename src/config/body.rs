//! Span-carrying views of parsed HCL: bodies, attributes, blocks and expressions.
//!
//! Invariant: every node keeps the [`FileId`] of the file it came from, so any span can be
//! turned into a [`SrcSpan`] for diagnostics.

use crate::diag::{FileId, SrcSpan};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{self, BlockLabel, Structure};
use hcl_edit::Span;

/// An expression and the file it was written in.
#[derive(Debug, Clone)]
pub struct Expr {
    pub file: FileId,
    pub expr: Expression,
}

impl Expr {
    pub fn span(&self) -> SrcSpan {
        SrcSpan::new(self.file, self.expr.span().unwrap_or(0..0))
    }

    /// The literal string, when the expression is a plain string without interpolation.
    pub fn as_literal_str(&self) -> Option<&str> {
        match &self.expr {
            Expression::String(s) => Some(s.value()),
            Expression::StringTemplate(t) => {
                let mut it = t.iter();
                match (it.next(), it.next()) {
                    (Some(hcl_edit::template::Element::Literal(l)), None) => Some(l.value()),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// `name = expr` inside a body.
#[derive(Debug, Clone)]
pub struct Attr {
    pub name: String,
    pub name_span: SrcSpan,
    pub expr: Expr,
}

impl Attr {
    /// From the start of the name to the end of the value.
    pub fn span(&self) -> SrcSpan {
        self.name_span.to(&self.expr.span())
    }
}

/// `type "label" ... { body }`.
#[derive(Debug, Clone)]
pub struct Block {
    pub kind: String,
    pub kind_span: SrcSpan,
    pub labels: Vec<String>,
    pub label_spans: Vec<SrcSpan>,
    pub body: Body,
}

impl Block {
    /// The block header: type and labels, where diagnostics about the whole block point.
    pub fn header_span(&self) -> SrcSpan {
        match self.label_spans.last() {
            Some(l) => self.kind_span.to(l),
            None => self.kind_span.clone(),
        }
    }
}

/// The content of a file or block, in source order.
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub attrs: Vec<Attr>,
    pub blocks: Vec<Block>,
}

impl Body {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    pub fn blocks_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }

    /// Converts an `hcl-edit` body.
    pub fn from_hcl(file: FileId, body: structure::Body) -> Body {
        let mut out = Body::default();
        for s in body {
            match s {
                Structure::Attribute(a) => {
                    let name_span = SrcSpan::new(file, a.key.span().unwrap_or(0..0));
                    out.attrs.push(Attr {
                        name: a.key.as_str().to_string(),
                        name_span,
                        expr: Expr {
                            file,
                            expr: a.value,
                        },
                    });
                }
                Structure::Block(b) => {
                    let kind_span = SrcSpan::new(file, b.ident.span().unwrap_or(0..0));
                    let mut labels = Vec::new();
                    let mut label_spans = Vec::new();
                    for l in &b.labels {
                        let span = match l {
                            BlockLabel::String(s) => s.span(),
                            BlockLabel::Ident(i) => i.span(),
                        };
                        labels.push(l.as_str().to_string());
                        label_spans.push(SrcSpan::new(file, span.unwrap_or(0..0)));
                    }
                    out.blocks.push(Block {
                        kind: b.ident.as_str().to_string(),
                        kind_span,
                        labels,
                        label_spans,
                        body: Body::from_hcl(file, b.body),
                    });
                }
            }
        }
        out
    }
}
