using System.CommandLine;
using Spectre.Console;

namespace Mae.Cluster.Cli;

/// <summary>
/// Where a command writes: results to <see cref="Out"/>, progress and messages to <see cref="Error"/>. The process's
/// stdout and stderr when run from a shell; any writers when a test runs the command in-process
/// (<see cref="MaeCli.RunAsync(RootCommand, string, string[], TextWriter?, TextWriter?)"/>).
/// </summary>
public sealed record CommandConsole(TextWriter Out, TextWriter Error)
{
    /// <summary>The writers the command line was invoked with.</summary>
    public static CommandConsole Of(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new CommandConsole(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
    }

    /// <summary>
    /// A console drawing on <see cref="Error"/> when it is a terminal that can show a live progress bar; null for a
    /// pipe, a file or a test's writer, which get plain lines instead.
    /// </summary>
    public IAnsiConsole? LiveErrorConsole()
    {
        if (!ReferenceEquals(Error, Console.Error) || Console.IsErrorRedirected)
        {
            return null;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Error) });
        return console.Profile.Capabilities.Interactive ? console : null;
    }
}
