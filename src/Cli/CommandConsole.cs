using System.CommandLine;

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

    /// <summary>The process's own streams.</summary>
    public static CommandConsole Process { get; } = new(Console.Out, Console.Error);

    /// <summary>Whether <see cref="Error"/> is a terminal that can show a live progress bar (not a pipe, file or test writer).</summary>
    public bool ErrorIsTerminal => ReferenceEquals(Error, Console.Error) && !Console.IsErrorRedirected;
}
