using System.CommandLine;
using System.ComponentModel.DataAnnotations;
using Mae.Cluster.Cli.Commands;
using Mae.Cluster.Client;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Hub;
using Mae.Cluster.Inference.Onnx;

namespace Mae.Cluster.Cli;

/// <summary>The <c>mae</c> command line: its commands, and how failures become messages and exit codes.</summary>
public static class MaeCli
{
    /// <summary>Exit code for a refused request (bad option, model or input), as opposed to a failed run (1).</summary>
    public const int RefusedExitCode = 2;

    /// <summary>Exit code after Ctrl-C (128 + SIGINT), as shells report it.</summary>
    public const int InterruptedExitCode = 130;

    /// <summary>
    /// How long a command may take to wind down after Ctrl-C (cancel its job, stop the embedded silo) before the
    /// process exits regardless. System.CommandLine's default of 2 s would cut a clean shutdown short.
    /// </summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(60);

    public static RootCommand Build() => new("mae — ViT-MAE embeddings and reconstruction losses for image datasets.")
    {
        RunCommand.Create(),
        SubmitCommand.Create(),
        StatusCommand.Create(),
        CancelCommand.Create(),
        ListCommand.Create(),
        VerifyCommand.Create(),
        EmbedCommand.Create(),
        ModelCommand.Create(),
    };

    public static Task<int> RunAsync(string[] args) => RunAsync(Build(), "mae", args);

    /// <summary>
    /// Runs <paramref name="root"/> (the <c>mae</c> or the <c>mae-bench</c> commands) on <paramref name="args"/>, with this
    /// tool's exit codes and one-line errors, writing to <paramref name="output"/> and <paramref name="error"/> (default:
    /// the process's stdout and stderr).
    /// </summary>
    public static async Task<int> RunAsync(RootCommand root, string toolName, string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        output ??= Console.Out;
        error ??= Console.Error;
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && !IsHelpRequest(args))
        {
            // Refuse in a few lines on stderr instead of System.CommandLine's full help on stdout.
            foreach (var problem in parse.Errors)
            {
                await error.WriteLineAsync($"error: {problem.Message}").ConfigureAwait(false);
            }
            await error.WriteLineAsync($"Run '{string.Join(' ', [toolName, .. CommandPath(parse)])} --help' for usage.").ConfigureAwait(false);
            return RefusedExitCode;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = ShutdownTimeout, Output = output, Error = error }).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("Cancelled.").ConfigureAwait(false);
            return InterruptedExitCode;
        }
        catch (Client.ClusterUnreachableException e)
        {
            // A failure, not a refusal: the same command may work once the cluster is up.
            await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (Exception e) when (IsRefusal(e))
        {
            await error.WriteLineAsync($"error: {MessageOf(e)}").ConfigureAwait(false);
            return RefusedExitCode;
        }
#pragma warning disable CA1031 // The last line of defence: a failed run says why in one line, not a stack trace.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await error.WriteLineAsync($"failed: {MessageOf(e)} ({e.GetType().Name})").ConfigureAwait(false);
            return 1;
        }
    }

    private static bool IsHelpRequest(string[] args) => args.Any(a => a is "-h" or "--help" or "-?");

    private static List<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
        {
            names.Insert(0, result.Command.Name);
        }
        return names;
    }

    /// <summary>The message alone: ArgumentException appends "(Parameter 'x')", which means nothing to a user.</summary>
    private static string MessageOf(Exception e) => e is ArgumentException { ParamName: { } name } argument
        ? argument.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal)
        : e.Message;

    private static bool IsRefusal(Exception e) => e is Client.RequestRefusedException or InvalidCheckpointException or HubException or Pipeline.JobSpecException
        or Storage.Blobs.InvalidStorageLocationException or Storage.Blobs.StorageObjectNotFoundException
        or Storage.Blobs.StorageAccessDeniedException or Storage.Blobs.StorageNotWritableException
        or DeviceUnavailableException or ValidationException or Microsoft.Extensions.Options.OptionsValidationException or ArgumentException or FileNotFoundException or DirectoryNotFoundException;
}
