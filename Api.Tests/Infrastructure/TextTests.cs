using Api.Infrastructure;

namespace Api.Tests.Infrastructure;

public sealed class TextTests
{
    [Fact]
    public void Short_text_is_kept_as_it_is() => Assert.Equal("Mozilla/5.0 🦊", Text.Storable("Mozilla/5.0 🦊", 512));

    [Fact]
    public void A_surrogate_pair_across_the_limit_is_left_out_whole()
    {
        var cut = Text.Storable(new string('a', 511) + "😀", 512);

        Assert.Equal(new string('a', 511), cut);
    }

    [Fact]
    public void A_letter_and_its_combining_accent_stay_together()
    {
        var cut = Text.Storable(new string('a', 511) + "e\u0301", 512);

        Assert.Equal(new string('a', 511), cut);
    }

    [Fact]
    public void A_flag_of_two_regional_indicators_is_not_split()
    {
        var cut = Text.Storable(new string('a', 509) + "🇫🇷", 512);

        Assert.Equal(new string('a', 509), cut);
    }

    [Fact]
    public void Nul_and_broken_utf16_become_the_replacement_character()
    {
        Assert.Equal("a\uFFFDb", Text.Storable("a\0b", 512));
        Assert.Equal("a\uFFFDb", Text.Storable("a\ud800b", 512));
        Assert.Equal("\uFFFD", Text.Storable("\udc00", 512));
    }

    [Fact]
    public void The_result_never_exceeds_the_limit_and_is_always_well_formed()
    {
        var random = new Random(42);
        string[] pieces = ["a", "é", "e\u0301", "😀", "🇫🇷", "👩‍👩‍👧", "\ud800", "\0", "李"];
        for (var i = 0; i < 500; i++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(100, 300)).Select(_ => pieces[random.Next(pieces.Length)]));
            var cut = Text.Storable(text, 512);
            Assert.True(cut.Length <= 512);
            Assert.True(Text.IsWellFormed(cut));
            Assert.DoesNotContain('\0', cut);
        }
    }
}
