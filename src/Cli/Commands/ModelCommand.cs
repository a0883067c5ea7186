using System.CommandLine;
using Mae.Cluster.Client;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Hub;

namespace Mae.Cluster.Cli.Commands;

/// <summary><c>mae model tiny|pull</c>: make or fetch checkpoints in the Hugging Face layout.</summary>
internal static class ModelCommand
{
    public static Command Create() => new("model", "Create or download ViT-MAE checkpoints.") { Tiny(), Pull() };

    private static Command Tiny()
    {
        var output = new Option<string>("--out", "-o") { Description = "Folder to write config.json, preprocessor_config.json and model.safetensors into.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights; the same seed writes byte-identical files.", DefaultValueFactory = _ => 0 };
        var command = new Command("tiny", "Write a seeded random tiny checkpoint in the Hugging Face layout (for tests and offline demos).") { output, seed };
        command.SetAction(parse =>
        {
            var directory = Path.GetFullPath(parse.GetValue(output)!);
            TinyCheckpoint.Write(directory, parse.GetValue(seed));
            CommandConsole.Of(parse).Out.WriteLine(directory);
            return 0;
        });
        return command;
    }

    private static Command Pull()
    {
        var repo = new Argument<string>("model-id") { Description = "Hugging Face model id, e.g. facebook/vit-mae-base." };
        var revision = CommonOptions.Revision("Hub revision: a branch, tag or commit.");
        var command = new Command("pull", "Download a checkpoint from the Hugging Face Hub into the cache (MAE_HOME; HF_ENDPOINT and HF_TOKEN honoured).") { repo, revision };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var id = parse.GetValue(repo)!;
            if (!HubRepoId.TryParse(id, out _))
            {
                throw new RequestRefusedException($"'{id}' is not a Hugging Face model id (owner/name, e.g. facebook/vit-mae-base).");
            }
            var resolved = await ModelResolution.ResolveAsync(id, parse.GetValue(revision)!, CommandConsole.Of(parse), cancellationToken).ConfigureAwait(false);
            var checkpoint = MaeCheckpoint.Load(resolved.Directory, cancellationToken);
            CommandConsole.Of(parse).Out.WriteLine(resolved.Directory);
            await CommandConsole.Of(parse).Error.WriteLineAsync($"{id}: {checkpoint.Config.HiddenSize}-wide, {checkpoint.Config.NumHiddenLayers} layers, sha256 {checkpoint.Hash[..16]}…").ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
