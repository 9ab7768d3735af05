using OfflineSafety.Errors;
using OfflineSafety.Meta.Registry;

namespace OfflineSafety.Meta.Tests.Registry;

/// <summary>Model references are user input: every refusal is a one-line BadInputException that never echoes a huge value.</summary>
public sealed class ModelReferenceTests
{
    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_reference_is_a_bad_input_not_an_argument_error(string text)
    {
        var ex = Assert.Throws<BadInputException>(() => ModelReference.Parse(text));
        Assert.Equal("model name is empty", ex.Message);
    }

    [Fact]
    public void A_huge_invalid_name_is_quoted_only_in_part()
    {
        string name = new string('x', 10_000) + "/";
        var ex = Assert.Throws<BadInputException>(() => ModelReference.Parse(name));
        Assert.StartsWith("model name 'xxxx", ex.Message);
        Assert.Contains("(10001 characters)", ex.Message);
        Assert.True(ex.Message.Length < 300, $"{ex.Message.Length} characters");
        Assert.DoesNotContain('\n', ex.Message);

        var version = Assert.Throws<BadInputException>(() => ModelReference.Parse("m@" + new string('9', 5000) + "x"));
        Assert.True(version.Message.Length < 300, $"{version.Message.Length} characters");
    }

    [Fact]
    public void Control_characters_in_a_name_are_not_echoed_raw()
    {
        var ex = Assert.Throws<BadInputException>(() => ModelReference.Parse("a\u001b[31mb"));
        Assert.StartsWith("model name 'a?[31mb' is invalid", ex.Message);
    }
}
