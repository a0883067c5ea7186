using System.CommandLine;
using Mae.Cluster.Inference.Imaging;
using Mae.Cluster.Inference.Onnx;

namespace Mae.Cluster.Cli.Commands;

/// <summary>Options shared by the commands that run a model, so they read and validate the same way everywhere.</summary>
public static class CommonOptions
{
    public static Option<string> Model() => new("--model", "-m")
    {
        Description = "Checkpoint: a local folder in the Hugging Face layout, 'tiny' (a seeded random tiny model), " +
                      "'base-random' (random weights, vit-mae-base's shape) or a Hub id such as facebook/vit-mae-base.",
        Required = true,
    };

    public static Option<string> Revision(string description = "Hub revision (branch, tag or commit) when --model is a Hub id.") => new("--revision")
    {
        Description = description,
        DefaultValueFactory = _ => Inference.Hub.HubRevision.Default,
    };

    public static Option<long> Seed() => new("--seed")
    {
        Description = "Job seed; with each image's key it fixes the image's mask (see docs/masking.md).",
        DefaultValueFactory = _ => 0,
    };

    public static Option<double?> MaskRatio()
    {
        var option = new Option<double?>("--mask-ratio") { Description = "Fraction of patches hidden for the loss (default: the checkpoint's, 0.75 for vit-mae-base)." };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is { } v && (v <= 0 || v >= 1))
            {
                r.AddError($"--mask-ratio must be strictly between 0 and 1 (got {v}).");
            }
        });
        return option;
    }

    public static Option<int> BatchSize(int defaultValue)
    {
        var option = new Option<int>("--batch-size", "-b") { Description = "Images per model call.", DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            var v = r.GetValueOrDefault<int>();
            if (v is < 1 or > 4096)
            {
                r.AddError($"--batch-size must be between 1 and 4096 (got {v}).");
            }
        });
        return option;
    }

    /// <summary>
    /// A list of positive numbers written as the README writes them (<c>1,8,32</c>, or space-separated), whose default
    /// the help shows in that spelling too (System.CommandLine would print an array default as <c>1|8|32</c>).
    /// </summary>
    public static NumberListOption NumberList(string name, string description, int[] defaults, int min, int max) => new(name, description, defaults, min, max);

    public static Option<ExecutionDevice> Device() => new("--device")
    {
        Description = "cpu, cuda or cuda:N.",
        DefaultValueFactory = _ => ExecutionDevice.Cpu,
        CustomParser = r => ParseOrError(r, ExecutionDevice.Parse, ExecutionDevice.Cpu),
    };

    /// <summary>The model's precision; null for no default (a submitted job then runs at its silo's).</summary>
    public static ChoiceOption<Precision> Precision(string description, Precision? defaultValue = Inference.Onnx.Precision.Fp32) =>
        new("--precision", description, defaultValue,
            [("fp32", Inference.Onnx.Precision.Fp32), ("fp16", Inference.Onnx.Precision.Fp16)],
            aliases: [("float32", Inference.Onnx.Precision.Fp32), ("float16", Inference.Onnx.Precision.Fp16)]);

    public const string PrecisionDescription = "fp16: weights and matrix products in fp16; layernorm, softmax and loss in fp32.";

    public static Option<int> Threads() => new("--threads")
    {
        Description = "Inference threads on CPU (0 = one per physical core).",
        DefaultValueFactory = _ => 0,
    };

    public static Option<int> DecodeThreads() => new("--decode-threads")
    {
        Description = "Threads decoding images while the model runs (default: one per core, " +
                      string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} here)."),
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public static ChoiceOption<ImageDecodeMode> DecodeMode() => new("--decode",
        "JPEG decoding: libjpeg-turbo (Pillow's exact pixels), libjpeg-turbo-dct-scaled (libjpeg-turbo decoding at 1/2, 1/4 or 1/8 " +
        "size in the DCT domain; fastest, slightly different model input) or imagesharp (managed decoder).",
        ImagePreprocessor.DefaultDecodeMode,
        [("libjpeg-turbo", ImageDecodeMode.LibjpegTurbo), ("libjpeg-turbo-dct-scaled", ImageDecodeMode.LibjpegTurboDctScaled), ("imagesharp", ImageDecodeMode.ImageSharp)],
        otherSpellings: ImageDecodeModeConverter.TryParse);

    /// <summary>
    /// <c>--outputs embeddings,loss</c>: what to compute, each output running only its own graph (embeddings the
    /// features graph, loss the reconstruction graph), so a job that needs one pays for one.
    /// </summary>
    public static OutputsOption Outputs() => new();

    private static T ParseOrError<T>(System.CommandLine.Parsing.ArgumentResult result, Func<string, T> parse, T fallback)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        try
        {
            return parse(token);
        }
        catch (ArgumentException e)
        {
            result.AddError(e.Message);
            return fallback;
        }
    }
}
