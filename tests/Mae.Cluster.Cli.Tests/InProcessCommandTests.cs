using System.Text.Json;
using Mae.Cluster.Inference.Imaging;
using Mae.Cluster.Cli.Tests.Infrastructure;

namespace Mae.Cluster.Cli.Tests;

/// <summary>
/// The <c>mae</c> commands run inside the test process with their output going to writers the test holds
/// (<see cref="MaeCli.RunAsync(System.CommandLine.RootCommand, string, string[], TextWriter?, TextWriter?)"/>): results on
/// the one, progress and messages on the other, and nothing on the process's own console.
/// </summary>
public sealed class InProcessCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task RunThenVerifyWriteResultsAndProgressToTheGivenWriters()
    {
        var (input, keys) = TestInputs.WriteLoose(_temp);
        var model = _temp.Combine("tiny");
        var made = await RunAsync("model", "tiny", "--out", model, "--seed", "3");
        Assert.Equal(0, made.ExitCode);
        Assert.Equal(Path.GetFullPath(model), made.Out.Trim());

        var output = _temp.Combine("output");
        var run = await RunAsync("run", input, "--output", output, "--model", model, "--shard-size", "10", "--decode", "imagesharp");
        Assert.True(run.ExitCode == 0, run.Error);
        var shards = (keys.Length + 9) / 10;
        // Results are files; the console gets progress lines (a writer is no terminal, so no live bar) and the last line.
        Assert.Equal("", run.Out);
        Assert.Contains($"Completed: {shards} shards, {keys.Length} images embedded, 0 failed", run.Error, StringComparison.Ordinal);
        Assert.Contains("completed:", run.Error, StringComparison.Ordinal);

        var verify = await RunAsync("verify", output, "--json");
        Assert.Equal(0, verify.ExitCode);
        using var report = JsonDocument.Parse(verify.Out);
        Assert.True(report.RootElement.GetProperty("healthy").GetBoolean());
        Assert.Equal(shards, report.RootElement.GetProperty("committed_shards").GetInt32());
        Assert.Equal(keys.Length, report.RootElement.GetProperty("images").GetInt64());
    }

    [Fact]
    public async Task RefusalGoesToTheErrorWriterWithTheWordsTheOptionTakes()
    {
        var refused = await RunAsync("run", _temp.Combine("in"), "--output", _temp.Combine("out"), "--model", "tiny", "--precision", "fp8", "--pool", "max");

        Assert.Equal(MaeCli.RefusedExitCode, refused.ExitCode);
        Assert.Equal("", refused.Out);
        Assert.Contains("error: Unknown precision 'fp8': use fp32 or fp16.", refused.Error, StringComparison.Ordinal);
        Assert.Contains("error: Unknown pool 'max': use cls, mean or both.", refused.Error, StringComparison.Ordinal);
        Assert.Contains("Run 'mae run --help' for usage.", refused.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("libjpeg-turbo-dct-scaled", ImageDecodeMode.LibjpegTurboDctScaled)]
    [InlineData("IMAGESHARP", ImageDecodeMode.ImageSharp)]
    // The spellings before 0.2, still taken from scripts: the same old names configuration takes.
    [InlineData("fast", ImageDecodeMode.LibjpegTurboDctScaled)]
    [InlineData("FastJpeg", ImageDecodeMode.LibjpegTurboDctScaled)]
    [InlineData("exact", ImageDecodeMode.ImageSharp)]
    [InlineData("libjpegturbo", ImageDecodeMode.LibjpegTurbo)]
    public void DecodeTakesItsWordsAndTheOldOnes(string given, ImageDecodeMode meant)
    {
        var parse = MaeCli.Build().Parse(["embed", "a.jpg", "--model", "tiny", "--decode", given]);

        Assert.Empty(parse.Errors);
        Assert.Equal(meant, parse.GetValue<ImageDecodeMode?>("--decode"));
    }

    [Fact]
    public void DecodeRefusesAnUnknownWordListingOnlyTheCurrentOnes()
    {
        var parse = MaeCli.Build().Parse(["embed", "a.jpg", "--model", "tiny", "--decode", "nearest"]);

        var error = Assert.Single(parse.Errors);
        Assert.Equal("Unknown decode 'nearest': use libjpeg-turbo, libjpeg-turbo-dct-scaled or imagesharp.", error.Message);
    }

    [Theory]
    [InlineData("embeddings", "embeddings")]
    [InlineData("loss", "loss")]
    [InlineData("embeddings,loss", "embeddings,loss")]
    [InlineData("LOSS, embeddings", "embeddings,loss")]
    public void OutputsTakeACommaListInAnyOrder(string given, string meant)
    {
        var parse = MaeCli.Build().Parse(["run", "in", "--output", "out", "--model", "tiny", "--outputs", given]);

        Assert.Empty(parse.Errors);
        Assert.Equal(meant, string.Join(',', Enum.GetValues<Grains.JobOutputs>()
            .Where(o => o != Grains.JobOutputs.None && parse.GetValue<Grains.JobOutputs?>("--outputs")!.Value.HasFlag(o)).Select(o => o.ToString().ToLowerInvariant())));
    }

    [Theory]
    [InlineData("embeddings,cls", "Unknown output 'cls' in --outputs: use embeddings, loss or embeddings,loss.")]
    [InlineData(",", "--outputs needs embeddings, loss or both (embeddings,loss).")]
    public void OutputsRefuseAnUnknownWordOrAnEmptyList(string given, string error)
    {
        var parse = MaeCli.Build().Parse(["run", "in", "--output", "out", "--model", "tiny", "--outputs", given]);

        Assert.Equal(error, Assert.Single(parse.Errors).Message);
    }

    [Fact]
    public async Task OptionsThatNeedAnOutputNotAskedForAreRefusedBeforeAnyWork()
    {
        var (input, _) = TestInputs.WriteLoose(_temp);
        var output = _temp.Combine("refused");

        var refused = await RunAsync("run", input, "--output", output, "--model", "tiny", "--outputs", "embeddings", "--save-mask");
        var tokens = await RunAsync("run", input, "--output", output, "--model", "tiny", "--outputs", "loss", "--save-patch-tokens");

        Assert.Equal(MaeCli.RefusedExitCode, refused.ExitCode);
        Assert.Contains("Saving the mask needs the loss among the outputs", refused.Error, StringComparison.Ordinal);
        Assert.Equal(MaeCli.RefusedExitCode, tokens.ExitCode);
        Assert.Contains("Saving the patch tokens needs the embeddings among the outputs", tokens.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), "a refused job must not write anything");
    }

    [Fact]
    public async Task EmbedWithOneOutputPrintsOnlyWhatItComputed()
    {
        var photo = TestPhotos.PathOf("coffee.png");

        var lossOnly = await RunAsync("embed", photo, "--model", "tiny", "--outputs", "loss", "--json");
        var embeddingsOnly = await RunAsync("embed", photo, "--model", "tiny", "--outputs", "embeddings", "--json");

        Assert.True(lossOnly.ExitCode == 0, lossOnly.Error);
        using (var line = JsonDocument.Parse(lossOnly.Out))
        {
            Assert.False(line.RootElement.TryGetProperty("embedding", out _));
            Assert.True(line.RootElement.GetProperty("mae_loss").GetDouble() > 0);
            Assert.True(line.RootElement.GetProperty("mask").GetArrayLength() > 0);
        }
        Assert.True(embeddingsOnly.ExitCode == 0, embeddingsOnly.Error);
        using (var line = JsonDocument.Parse(embeddingsOnly.Out))
        {
            Assert.True(line.RootElement.GetProperty("embedding").GetArrayLength() > 0);
            Assert.Equal(JsonValueKind.Null, line.RootElement.GetProperty("mae_loss").ValueKind);
            Assert.False(line.RootElement.TryGetProperty("mask", out _));
        }
    }

    [Fact]
    public async Task HelpShowsTheChoicesAndDefaultsAsTheReadmeSpellsThem()
    {
        var help = await RunAsync("run", "--help");

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--precision <fp32|fp16>", help.Out, StringComparison.Ordinal);
        Assert.Contains("[default: fp32]", help.Out, StringComparison.Ordinal);
        Assert.Contains("--pool <cls|mean|both>", help.Out, StringComparison.Ordinal);
        Assert.Contains("--outputs <embeddings,loss>", help.Out, StringComparison.Ordinal);
        Assert.Contains("[default: embeddings,loss]", help.Out, StringComparison.Ordinal);
        Assert.Contains("302,592 bytes", help.Out, StringComparison.Ordinal);
        Assert.Contains("--emb-dtype <float32|float16>", help.Out, StringComparison.Ordinal);
        Assert.Contains("--decode <libjpeg-turbo|libjpeg-turbo-dct-scaled|imagesharp>", help.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Fp32", help.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("FastJpeg", help.Out, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await MaeCli.RunAsync(MaeCli.Build(), "mae", args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    public void Dispose() => _temp.Dispose();
}
