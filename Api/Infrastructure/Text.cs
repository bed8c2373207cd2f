using System.Globalization;
using System.Text;

namespace Api.Infrastructure;

/// <summary>Making text from outside (headers) storable in PostgreSQL.</summary>
public static class Text
{
    /// <summary>
    /// At most <paramref name="maxLength"/> UTF-16 units, cut between text elements, so no surrogate pair, emoji or
    /// accented letter is split; broken UTF-16 and NUL, which PostgreSQL cannot store, become U+FFFD.
    /// </summary>
    public static string Storable(string text, int maxLength)
    {
        if (text.Contains('\0', StringComparison.Ordinal) || !IsWellFormed(text))
        {
            var builder = new StringBuilder(text.Length);
            foreach (var rune in text.EnumerateRunes())
            {
                builder.Append(rune.Value == 0 ? Rune.ReplacementChar : rune);
            }
            text = builder.ToString();
        }
        if (text.Length <= maxLength)
        {
            return text;
        }
        var length = 0;
        while (length < text.Length)
        {
            var next = StringInfo.GetNextTextElementLength(text.AsSpan(length));
            if (length + next > maxLength)
            {
                break;
            }
            length += next;
        }
        return text[..length];
    }

    /// <summary>
    /// The text in Unicode normalization form C, so that "é" typed as one code point and as "e" plus a combining accent
    /// are stored, compared and hashed alike. Text that cannot be normalized (broken UTF-16) is returned as it is, for
    /// validation to refuse.
    /// </summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public static string? Nfc(string? text) =>
        text is null || !IsWellFormed(text) || text.IsNormalized(NormalizationForm.FormC) ? text : text.Normalize(NormalizationForm.FormC);

    /// <summary>Every surrogate is half of a pair: the text can be encoded as UTF-8.</summary>
    public static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }
        return true;
    }
}
