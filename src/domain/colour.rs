//! One rule for text on a coloured background — card themes, chart segments, PDF
//! bands: whichever of white and our near-black text colour gives the higher WCAG 2
//! contrast ratio against the fill.

/// White text, for dark fills.
pub const WHITE: (u8, u8, u8) = (0xff, 0xff, 0xff);
/// Our near-black text colour (`--text` in the style sheet), for light fills.
pub const DARK: (u8, u8, u8) = (0x0b, 0x0c, 0x0c);

/// Which text colour to put on a fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextOn {
    /// White text (the fill is dark).
    White,
    /// Near-black text (the fill is light).
    Dark,
}

impl TextOn {
    /// The style-sheet class for a block on this fill (`on-dark` means the fill is dark).
    pub fn css_class(self) -> &'static str {
        match self {
            TextOn::White => "on-dark",
            TextOn::Dark => "on-light",
        }
    }

    /// The text colour as `#rrggbb`.
    pub fn hex(self) -> &'static str {
        match self {
            TextOn::White => "#ffffff",
            TextOn::Dark => "#0b0c0c",
        }
    }

    /// The text colour as red, green, blue.
    pub fn rgb(self) -> (u8, u8, u8) {
        match self {
            TextOn::White => WHITE,
            TextOn::Dark => DARK,
        }
    }
}

/// `#rrggbb` (or `rrggbb`) as red, green, blue; anything unreadable counts as black.
pub fn parse(hex: &str) -> (u8, u8, u8) {
    let hex = hex.trim().trim_start_matches('#');
    let c = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0)
    };
    (c(0), c(2), c(4))
}

/// Relative luminance as WCAG 2 defines it: 0 for black, 1 for white.
pub fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let lin = |v: u8| {
        let v = v as f64 / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// The WCAG contrast ratio of two colours, from 1 to 21.
pub fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The text colour that reads better on `fill` (`#rrggbb`).
pub fn text_on(fill: &str) -> TextOn {
    let fill = parse(fill);
    if contrast(fill, WHITE) >= contrast(fill, DARK) {
        TextOn::White
    } else {
        TextOn::Dark
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_colours() {
        assert_eq!(text_on("#1d5c8c"), TextOn::White);
        assert_eq!(text_on("#2166ac"), TextOn::White);
        assert_eq!(text_on("#000000"), TextOn::White);
        assert_eq!(text_on("#ffdd00"), TextOn::Dark);
        assert_eq!(text_on("#d9d9d9"), TextOn::Dark);
        assert_eq!(text_on("#ffffff"), TextOn::Dark);
        // The two old rules disagreed here (the charts' chose white at 4.3:1).
        assert_eq!(text_on("#0077ee"), TextOn::Dark);
        assert!((contrast(WHITE, (0, 0, 0)) - 21.0).abs() < 1e-9);
    }

    proptest! {
        /// The chosen text never has less contrast than the other choice would.
        #[test]
        fn the_choice_always_reads_at_least_as_well(r: u8, g: u8, b: u8) {
            let fill = format!("#{r:02x}{g:02x}{b:02x}");
            let chosen = text_on(&fill);
            let other = if chosen == TextOn::White { TextOn::Dark } else { TextOn::White };
            prop_assert!(contrast((r, g, b), chosen.rgb()) >= contrast((r, g, b), other.rgb()));
            prop_assert_eq!(parse(&fill), (r, g, b));
        }
    }
}
