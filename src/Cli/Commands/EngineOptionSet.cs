using System.CommandLine;
using Mae.Cluster.Inference.Engine;

namespace Mae.Cluster.Cli.Commands;

/// <summary>
/// The options of every command that runs the model (model, seed, mask ratio, batch, device, precision, threads),
/// added to a command together and turned into engine options in one place.
/// </summary>
public sealed class EngineOptionSet
{
    public EngineOptionSet(int defaultBatchSize) => BatchSize = CommonOptions.BatchSize(defaultBatchSize);

    public Option<string> Model { get; } = CommonOptions.Model();
    public Option<string> Revision { get; } = CommonOptions.Revision();
    public Option<long> Seed { get; } = CommonOptions.Seed();
    public Option<double?> MaskRatio { get; } = CommonOptions.MaskRatio();
    public Option<int> BatchSize { get; }
    public Option<Inference.Onnx.ExecutionDevice> Device { get; } = CommonOptions.Device();
    public ChoiceOption<Inference.Onnx.Precision> Precision { get; } = CommonOptions.Precision(CommonOptions.PrecisionDescription);
    public Option<int> Threads { get; } = CommonOptions.Threads();
    public Option<int> DecodeThreads { get; } = CommonOptions.DecodeThreads();
    public ChoiceOption<Inference.Imaging.ImageDecodeMode> DecodeMode { get; } = CommonOptions.DecodeMode();

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in new Option[] { Model, Revision, Seed, MaskRatio, BatchSize, Device, Precision.Option, Threads, DecodeThreads, DecodeMode.Option })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Resolves the model (downloading or generating it if needed) and returns the engine's options.</summary>
    public async Task<MaeEngineOptions> ToEngineOptionsAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var resolved = await ModelResolution.ResolveAsync(parse.GetValue(Model)!, parse.GetValue(Revision)!, CommandConsole.Of(parse), cancellationToken).ConfigureAwait(false);
        return new MaeEngineOptions
        {
            ModelDirectory = resolved.Directory,
            GraphCacheDirectory = resolved.GraphCacheDirectory,
            Seed = parse.GetValue(Seed),
            MaskRatio = parse.GetValue(MaskRatio),
            BatchSize = parse.GetValue(BatchSize),
            Device = parse.GetValue(Device)!,
            Precision = Precision.ValueOf(parse),
            InferenceThreads = parse.GetValue(Threads),
            DecodeThreads = parse.GetValue(DecodeThreads),
            DecodeMode = DecodeMode.ValueOf(parse),
        };
    }
}
