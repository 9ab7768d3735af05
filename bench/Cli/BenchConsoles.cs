using Spectre.Console;

namespace OfflineSafety.Bench.Cli;

/// <summary>A Spectre console over one writer, made per call so it follows redirection: redirected output is plain text, 240 columns wide.</summary>
public static class BenchConsoles
{
    public static IAnsiConsole Over(TextWriter writer, bool redirected)
    {
        var settings = new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) };
        if (redirected) (settings.Ansi, settings.ColorSystem, settings.Interactive) = (AnsiSupport.No, ColorSystemSupport.NoColors, InteractionSupport.No);
        var console = AnsiConsole.Create(settings);
        if (redirected) console.Profile.Width = 240;
        return console;
    }
}
