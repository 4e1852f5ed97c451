//! The generated values the quoting properties are proven on, shared by the tests that run
//! the real shells (`quoting_props.rs`) and the one that reads PowerShell with tree-sitter
//! (`parsers.rs`), so both see the same values.
//!
//! Failures shrink to a minimal counterexample (the batch drops values, then shrinks the rest).

#![allow(dead_code)]

use proptest::char::{CharStrategy, DEFAULT_PREFERRED_RANGES, DEFAULT_SPECIAL_CHARS};
use proptest::prelude::*;
use proptest::strategy::{NewTree, ValueTree};
use proptest::test_runner::{Config, TestCaseResult, TestRunner};
use std::borrow::Cow;
use std::fmt;
use std::ops::RangeInclusive;

/// Values in one batch: one shell process evaluates them all.
pub const BATCH: usize = 512;
/// Batches per shell and run.
pub const BATCHES: u32 = 20;
/// Values each shell is proven on per run.
pub const VALUES: usize = BATCH * BATCHES as usize;

/// The locales the shells run in: a UTF-8 one, as users have, and bytes-only C.
pub const LOCALES: &[&str] = &["C.UTF-8", "C"];

/// Characters and fragments that mean something to some shell, and `touch CANARY` for them to run.
#[rustfmt::skip]
pub const META: &[&str] = &[
    "'", "\"", "$", "`", "\\", "!", "%", "^", "&", "|", ";", "<", ">", "(", ")", "{", "}", "[",
    "]", "*", "?", "~", "#", "=", " ", "\t", "\n", "\r",
    "\u{2018}", "\u{2019}", "\u{201A}", "\u{201B}", "\u{201C}", "\u{201D}", "\u{201E}",
    "touch CANARY", "$(touch CANARY)", "`touch CANARY`", "; touch CANARY #",
    "' ; touch CANARY ; '", "(touch CANARY)", "{touch,CANARY}", "=(touch CANARY)",
    "'\\''", "$'\\n'", "\\n", "\\'", "''", "' + \"`n\" + '", "$(", "${", "$((", "!!",
    "%PATH%", "^&", "--", "-e", "\"$", "a", "x=",
];

/// Code points that look like broken UTF-8 or that shells use internally: the replacement
/// character, lone continuation-looking and lead-looking Latin-1, noncharacters (fish marks
/// wildcards and expansions with U+FDD0…), private use (fish encodes undecodable bytes as
/// U+F600–U+F6FF), the edges of the surrogate gap, byte order mark, invisible and
/// line-separating characters.
pub const ODD: &[RangeInclusive<char>] = &[
    '\u{FFFD}'..='\u{FFFD}',
    '\u{80}'..='\u{BF}',
    '\u{C0}'..='\u{FF}',
    '\u{FDD0}'..='\u{FDEF}',
    '\u{FFFE}'..='\u{FFFF}',
    '\u{1FFFE}'..='\u{1FFFF}',
    '\u{10FFFE}'..='\u{10FFFF}',
    '\u{E000}'..='\u{F8FF}',
    '\u{F600}'..='\u{F8FF}',
    '\u{F600}'..='\u{F6FF}',
    '\u{D7FF}'..='\u{D7FF}',
    '\u{E000}'..='\u{E000}',
    '\u{FEFF}'..='\u{FEFF}',
    '\u{85}'..='\u{85}',
    '\u{2028}'..='\u{2029}',
    '\u{200B}'..='\u{200F}',
    '\u{202A}'..='\u{202E}',
    '\u{F0000}'..='\u{10FFFD}',
];

/// Every code point but NUL, which has a property of its own.
pub const NOT_NUL: &[RangeInclusive<char>] = &['\u{1}'..='\u{10FFFF}'];

pub fn ascii() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::char::range('\u{1}', '\u{7F}'), 0..64).prop_map(String::from_iter)
}

pub fn meta() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(META), 0..24).prop_map(|parts| parts.concat())
}

pub fn unicode_char() -> impl Strategy<Value = char> {
    CharStrategy::new(
        Cow::Borrowed(DEFAULT_SPECIAL_CHARS),
        Cow::Borrowed(DEFAULT_PREFERRED_RANGES),
        Cow::Borrowed(NOT_NUL),
    )
}

pub fn unicode() -> impl Strategy<Value = String> {
    prop::collection::vec(unicode_char(), 0..48).prop_map(String::from_iter)
}

/// Strings that look like bytes gone wrong: odd code points, overlong-looking Latin-1 pairs such
/// as "À¯", and mojibake (a character's UTF-8 bytes read as Latin-1).
pub fn odd() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::char::ranges(Cow::Borrowed(ODD)).prop_map(String::from),
        1 => (
            prop::char::range('\u{C0}', '\u{F7}'),
            prop::collection::vec(prop::char::range('\u{80}', '\u{BF}'), 1..=3),
        )
            .prop_map(|(lead, tail)| std::iter::once(lead).chain(tail).collect()),
        1 => unicode_char().prop_map(|c| c.to_string().bytes().map(char::from).collect()),
        1 => prop::char::range(' ', '~').prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..32).prop_map(|parts| parts.concat())
}

/// Up to 6,000 characters of every kind: a seed of up to 256, repeated.
/// (Drawing each character of thousands costs more time than the shells take to run.)
pub fn long() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        prop::char::range('\u{1}', '\u{7F}'),
        prop::sample::select(META).prop_map(|m| m.chars().next().unwrap_or('x')),
        unicode_char(),
        prop::char::ranges(Cow::Borrowed(ODD)),
    ];
    // The length first: proptest shrinks it, then the seed, to a short counterexample.
    (0..6144usize, prop::collection::vec(c, 1..256))
        .prop_map(|(len, seed)| seed.into_iter().cycle().take(len).collect())
}

/// One value without NUL.
pub fn value() -> BoxedStrategy<String> {
    prop_oneof![
        4 => ascii(),
        4 => meta(),
        3 => odd(),
        3 => unicode(),
        1 => long(),
    ]
    .boxed()
}

/// Batches of `BATCH` values, each with the locale its shells run in.
pub fn batches() -> impl Strategy<Value = (&'static str, Vec<String>)> {
    (
        prop::sample::select(LOCALES),
        Batch {
            element: value(),
            len: BATCH,
        },
    )
}

pub fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 20_000,
        max_shrink_time: 60_000,
        ..Config::default()
    }
}

/// Exactly `len` values from `element`. It shrinks by dropping values (halves, quarters, …
/// single values), then by shrinking each value left, so a failure ends with the few values
/// that fail, each as simple as it can be.
#[derive(Debug)]
pub struct Batch<S> {
    element: S,
    len: usize,
}

impl<S: Strategy> Strategy for Batch<S> {
    type Tree = BatchTree<S::Tree>;
    type Value = Vec<S::Value>;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        let trees = (0..self.len)
            .map(|_| self.element.new_tree(runner))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(BatchTree {
            live: (0..trees.len()).collect(),
            chunk: trees.len().div_ceil(2),
            trees,
            pos: 0,
            elem: 0,
            undo: None,
        })
    }
}

pub struct BatchTree<T> {
    trees: Vec<T>,
    /// Indices into `trees` of the values still in the batch.
    live: Vec<usize>,
    /// The size of the runs of values dropped at a time, and where the next run starts.
    chunk: usize,
    pos: usize,
    /// The value (index into `live`) being shrunk once no more can be dropped.
    elem: usize,
    undo: Option<Undo>,
}

enum Undo {
    Dropped(usize, Vec<usize>),
    Shrunk(usize),
}

impl<T: ValueTree> ValueTree for BatchTree<T> {
    type Value = Vec<T::Value>;

    fn current(&self) -> Self::Value {
        self.live.iter().map(|&i| self.trees[i].current()).collect()
    }

    fn simplify(&mut self) -> bool {
        while self.chunk > 0 {
            if self.pos < self.live.len() && self.live.len() > 1 {
                let end = (self.pos + self.chunk).min(self.live.len());
                if end - self.pos < self.live.len() {
                    let dropped = self.live.drain(self.pos..end).collect();
                    self.undo = Some(Undo::Dropped(self.pos, dropped));
                    return true;
                }
            }
            self.chunk /= 2;
            self.pos = 0;
        }
        while self.elem < self.live.len() {
            if self.trees[self.live[self.elem]].simplify() {
                self.undo = Some(Undo::Shrunk(self.elem));
                return true;
            }
            self.elem += 1;
        }
        false
    }

    fn complicate(&mut self) -> bool {
        match self.undo.take() {
            None => false,
            Some(Undo::Dropped(pos, dropped)) => {
                // Those values are needed for the failure: keep them and try the next run.
                self.pos = pos + dropped.len();
                self.live.splice(pos..pos, dropped);
                true
            }
            Some(Undo::Shrunk(elem)) if self.trees[self.live[elem]].complicate() => {
                self.undo = Some(Undo::Shrunk(elem));
                true
            }
            Some(Undo::Shrunk(_)) => false,
        }
    }
}

impl<T> fmt::Debug for BatchTree<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BatchTree({} of {} values)",
            self.live.len(),
            self.trees.len()
        )
    }
}

/// Runs `property` on `VALUES` generated values, `BATCH` at a time.
pub fn prove(what: &str, property: impl Fn((&'static str, Vec<String>)) -> TestCaseResult) {
    println!("{what}: {VALUES} generated values ({BATCHES} batches of {BATCH})");
    if let Err(e) = TestRunner::new(config(BATCHES)).run(&batches(), property) {
        panic!("{what}: {e}");
    }
}

pub fn names(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("MFAENV_P{i}")).collect()
}
