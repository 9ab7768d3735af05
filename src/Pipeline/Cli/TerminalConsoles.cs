using Spectre.Console;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// Spectre consoles over the current Console.Out / Console.Error, made per command so they follow
/// redirection (tests, pipes). Redirected output gets no ANSI codes and a wide fixed width, so
/// tables are not squeezed to 80 columns in files and logs.
/// </summary>
public static class TerminalConsoles
{
    public static IAnsiConsole Stdout() => Over(Console.Out, Console.IsOutputRedirected);

    public static IAnsiConsole Stderr() => Over(Console.Error, Console.IsErrorRedirected);

    private static IAnsiConsole Over(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected) console.Profile.Width = 240;
        return console;
    }
}
