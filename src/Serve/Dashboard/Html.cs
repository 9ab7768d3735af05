using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;

namespace OfflineSafety.Serve.Dashboard;

/// <summary>
/// A page under construction. Markup is written as interpolated strings whose literal parts are our
/// markup and whose holes are always HTML-encoded (numbers and dates in the invariant culture), so
/// no dataset name, log line or error detail can inject markup; a fragment built here is inserted
/// as <see cref="Markup"/>, the one value a hole takes as it is.
/// </summary>
public sealed class Html
{
    private readonly StringBuilder _text = new();

    public Html Add([InterpolatedStringHandlerArgument("")] ref HtmlHandler handler) => this;

    public Markup ToMarkup() => new(_text.ToString());

    public override string ToString() => _text.ToString();

    internal StringBuilder Text => _text;

    public static string Encode(string text) => HtmlEncoder.Default.Encode(text);
}

/// <summary>Markup that is already safe: built through <see cref="Html"/>.</summary>
public readonly record struct Markup(string Value)
{
    public static readonly Markup Empty = new("");
}

[InterpolatedStringHandler]
public readonly ref struct HtmlHandler
{
    private readonly StringBuilder _text;

    public HtmlHandler(int literalLength, int formattedCount, Html html)
    {
        _ = formattedCount;
        _text = html.Text;
        _text.EnsureCapacity(_text.Length + literalLength);
    }

    public void AppendLiteral(string markup) => _text.Append(markup);

    public void AppendFormatted(Markup markup) => _text.Append(markup.Value);

    public void AppendFormatted<T>(T value) => AppendFormatted(value, null);

    public void AppendFormatted<T>(T value, string? format)
    {
        string text = value is IFormattable f ? f.ToString(format, CultureInfo.InvariantCulture) : value?.ToString() ?? "";
        _text.Append(Html.Encode(text));
    }
}
