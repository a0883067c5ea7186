using System.Text.Json;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.TestSupport.Hub;

namespace Mae.Cluster.Cli.Tests;

/// <summary>The <c>mae</c> program as a user runs it: real process, real files, exit codes and messages.</summary>
public sealed class MaeCommandLineTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string> _environment;

    public MaeCommandLineTests() => _environment = new() { ["MAE_HOME"] = _temp.Combine("mae-home") };

    [Fact]
    public async Task EmbedJsonPrintsOneObjectPerImageWithEmbeddingsLossAndMask()
    {
        var images = Directory.CreateDirectory(_temp.Combine("images"));
        Directory.CreateDirectory(Path.Combine(images.FullName, "sub"));
        File.Copy(TestPhotos.PathOf("chelsea.png"), Path.Combine(images.FullName, "chelsea.png"));
        File.Copy(TestPhotos.PathOf("rocket.jpg"), Path.Combine(images.FullName, "sub", "rocket.jpg"));
        File.WriteAllText(Path.Combine(images.FullName, "broken.jpg"), "not really a jpeg");
        File.WriteAllText(Path.Combine(images.FullName, "notes.txt"), "ignored: not an image extension");

        var run = await BuiltProgram.Mae.RunAsync(_environment, "embed", images.FullName, "--model", "tiny", "--json", "--seed", "7");

        Assert.True(run.ExitCode == 0, run.StdErr);
        var lines = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(["broken", "chelsea", "sub/rocket"], lines.Select(l => l.GetProperty("key").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(lines[0].GetProperty("error").GetString()));
        foreach (var ok in lines[1..])
        {
            Assert.Equal(64, ok.GetProperty("embedding").GetArrayLength());
            Assert.Equal(64, ok.GetProperty("mean_embedding").GetArrayLength());
            Assert.True(ok.GetProperty("mae_loss").GetSingle() > 0);
            var mask = ok.GetProperty("mask").EnumerateArray().Select(m => m.GetInt32()).ToArray();
            Assert.Equal(196, mask.Length);
            Assert.Equal(147, mask.Sum());
        }
        Assert.Contains("2 embedded, 1 failed", run.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownModelIsRefusedWithAClearMessage()
    {
        var run = await BuiltProgram.Mae.RunAsync(_environment, "embed", TestPhotos.PathOf("chelsea.png"), "--model", "no-such-folder");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("neither an existing checkpoint folder nor a Hugging Face model id", run.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrokenCheckpointIsRefusedNamingTheFile()
    {
        var model = _temp.Combine("broken-model");
        TinyCheckpoint.Write(model, seed: 1);
        File.WriteAllText(Path.Combine(model, "config.json"), "{ not json");
        var run = await BuiltProgram.Mae.RunAsync(_environment, "embed", TestPhotos.PathOf("chelsea.png"), "--model", model);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("config.json", run.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--mask-ratio", "1.5", "--mask-ratio must be strictly between 0 and 1")]
    [InlineData("--batch-size", "0", "--batch-size must be between 1 and 4096")]
    [InlineData("--device", "tpu", "Unknown device 'tpu'")]
    [InlineData("--precision", "fp8", "Unknown precision 'fp8'")]
    public async Task OutOfRangeOptionsAreRefusedBeforeAnyWork(string option, string value, string message)
    {
        var run = await BuiltProgram.Mae.RunAsync(_environment, "embed", TestPhotos.PathOf("chelsea.png"), "--model", "tiny", option, value);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(message, run.StdErr, StringComparison.Ordinal);
        Assert.Empty(run.StdOut.Trim());
    }

    [Fact]
    public async Task CudaOnTheCpuBuildExplainsHowToGetIt()
    {
        var run = await BuiltProgram.Mae.RunAsync(_environment, "embed", TestPhotos.PathOf("chelsea.png"), "--model", "tiny", "--device", "cuda:0");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("-p:Gpu=true", run.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelTinyWritesByteIdenticalFilesForTheSameSeed()
    {
        var a = await BuiltProgram.Mae.RunAsync(_environment, "model", "tiny", "--out", _temp.Combine("a"), "--seed", "3");
        var b = await BuiltProgram.Mae.RunAsync(_environment, "model", "tiny", "--out", _temp.Combine("b"), "--seed", "3");
        Assert.Equal(0, a.ExitCode);
        Assert.Equal(0, b.ExitCode);
        foreach (var file in new[] { "config.json", "preprocessor_config.json", "model.safetensors" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(_temp.Combine("a"), file)), File.ReadAllBytes(Path.Combine(_temp.Combine("b"), file)));
        }
    }

    [Fact]
    public async Task ModelPullDownloadsFromTheHubEndpointAndTheModelThenResolvesFromTheCache()
    {
        await using var hub = await FakeHub.StartAsync();
        var environment = new Dictionary<string, string>(_environment) { ["HF_ENDPOINT"] = hub.Endpoint.ToString().TrimEnd('/') };

        var pull = await BuiltProgram.Mae.RunAsync(environment, "model", "pull", FakeHub.RepoId);
        Assert.True(pull.ExitCode == 0, pull.StdErr);
        var folder = pull.StdOut.Trim();
        Assert.Equal(FakeHub.Model, File.ReadAllBytes(Path.Combine(folder, "model.safetensors")));

        var requestsAfterPull = hub.Requests.Count;
        var embed = await BuiltProgram.Mae.RunAsync(environment, "embed", TestPhotos.PathOf("chelsea.png"), "--model", FakeHub.RepoId, "--json");
        Assert.True(embed.ExitCode == 0, embed.StdErr);
        Assert.Equal(requestsAfterPull, hub.Requests.Count);
    }

    public void Dispose() => _temp.Dispose();
}
