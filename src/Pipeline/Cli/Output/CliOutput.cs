using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace OfflineSafety.Pipeline.Cli.Output;

/// <summary>
/// The one place commands write their results: Spectre consoles over the current Console.Out /
/// Console.Error, the JSON settings of the --json contract, and the "one JSON object or the human
/// rendering" rule. Consoles are made per call so they follow redirection (tests, pipes).
/// </summary>
public static class CliOutput
{
    /// <summary>Redirected output has no terminal width; Spectre would assume 80 columns and wrap table cells.</summary>
    public const int RedirectedWidth = 240;

    /// <summary>The --json settings: camelCase names; NaN and infinities print as named literals instead of failing.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>
    /// The settings of `envs list` and `generate`, whose published contract has snake_case names and
    /// unescaped text (environment descriptions are read by people too).
    /// </summary>
    public static readonly JsonSerializerOptions SnakeCaseJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static IAnsiConsole Stdout() => Over(Console.Out, Console.IsOutputRedirected);

    public static IAnsiConsole Stderr() => Over(Console.Error, Console.IsErrorRedirected);

    public static bool WantsJson(ParseResult p) => p.GetValue(CommonOptions.Json);

    /// <summary>One JSON object with --json, else the human rendering on stdout.</summary>
    public static int Emit(ParseResult p, object json, Action<IAnsiConsole> human, JsonSerializerOptions? options = null)
    {
        if (WantsJson(p)) WriteJson(json, options);
        else human(Stdout());
        return 0;
    }

    /// <summary>One JSON object with --json, else one plain line (written as is, never wrapped).</summary>
    public static int EmitLine(ParseResult p, object json, string line)
    {
        if (WantsJson(p)) WriteJson(json);
        else Console.Out.WriteLine(line);
        return 0;
    }

    public static void WriteJson(object json, JsonSerializerOptions? options = null) =>
        Console.Out.WriteLine(JsonSerializer.Serialize(json, options ?? Json));

    /// <summary>A table with the simple border the listing commands share.</summary>
    public static Table NewTable(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var c in columns) table.AddColumn(c);
        return table;
    }

    // No colour codes or cursor movement when the stream is a pipe or file: output is read by people and by grep.
    private static IAnsiConsole Over(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected) console.Profile.Width = RedirectedWidth;
        return console;
    }
}
