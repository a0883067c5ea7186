using System.CommandLine;
using System.ComponentModel.DataAnnotations;
using Mae.Cluster.Client.Commands;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Hub;
using Mae.Cluster.Inference.Onnx;

namespace Mae.Cluster.Client;

/// <summary>The <c>mae</c> command line: its commands, and how failures become messages and exit codes.</summary>
public static class MaeCli
{
    /// <summary>Exit code for a refused request (bad option, model or input), as opposed to a failed run (1).</summary>
    public const int RefusedExitCode = 2;

    public static RootCommand Build() => new("mae — ViT-MAE embeddings and reconstruction losses for image datasets.")
    {
        EmbedCommand.Create(),
        ModelCommand.Create(),
        BenchCommand.Create(),
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Build().Parse(args);
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("Cancelled.").ConfigureAwait(false);
            return 130;
        }
        catch (Exception e) when (IsRefusal(e))
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return RefusedExitCode;
        }
    }

    private static bool IsRefusal(Exception e) => e is CliException or InvalidCheckpointException or HubException
        or DeviceUnavailableException or ValidationException or ArgumentException or FileNotFoundException or DirectoryNotFoundException;
}
