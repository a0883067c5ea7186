using System.Text.Json;

namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>
/// Reads and writes Hugging Face's <c>preprocessor_config.json</c> for <c>ViTImageProcessor</c>.
/// </summary>
public static class PreprocessorConfigJson
{
    /// <summary>The file name in a Hugging Face checkpoint directory.</summary>
    public const string FileName = "preprocessor_config.json";

    /// <summary>PIL's id for bilinear resampling, the only filter supported.</summary>
    public const int BilinearResample = 2;

    /// <summary>
    /// What <c>ViTImageProcessor</c> uses for a field the file leaves out: note its mean and std are 0.5,
    /// not the ImageNet values vit-mae-base's file states (<see cref="PreprocessorConfig.Default"/>).
    /// </summary>
    public static PreprocessorConfig ImageProcessorDefaults { get; } = new()
    {
        ImageMean = [0.5f, 0.5f, 0.5f],
        ImageStd = [0.5f, 0.5f, 0.5f],
    };

    /// <summary>Reads, parses and validates a <c>preprocessor_config.json</c> file.</summary>
    /// <exception cref="InvalidCheckpointException">The file is missing, not JSON, or asks for unsupported preprocessing.</exception>
    public static PreprocessorConfig Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidCheckpointException($"Preprocessor config file '{path}' does not exist.", path, null);
        }

        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>
    /// Parses and validates <c>preprocessor_config.json</c> text; <paramref name="source"/> names it in messages.
    /// Missing fields take <see cref="ImageProcessorDefaults"/>, as Hugging Face does.
    /// </summary>
    public static PreprocessorConfig Parse(ReadOnlyMemory<byte> utf8Json, string source)
    {
        var fields = JsonFields.Parse(utf8Json, source);
        var defaults = ImageProcessorDefaults;
        var (height, width) = ReadSize(fields, defaults);
        var config = new PreprocessorConfig
        {
            DoResize = fields.Bool("do_resize", defaults.DoResize),
            Height = height,
            Width = width,
            Resample = fields.Int("resample", defaults.Resample),
            DoRescale = fields.Bool("do_rescale", defaults.DoRescale),
            RescaleFactor = fields.Double("rescale_factor", defaults.RescaleFactor),
            DoNormalize = fields.Bool("do_normalize", defaults.DoNormalize),
            ImageMean = fields.Floats("image_mean", defaults.ImageMean, defaults.ImageMean.Count),
            ImageStd = fields.Floats("image_std", defaults.ImageStd, defaults.ImageStd.Count),
        };
        Validate(config, source);
        return config;
    }

    /// <summary>Throws when <paramref name="config"/> asks for preprocessing this system does not do.</summary>
    /// <exception cref="InvalidCheckpointException">A size is not positive, the filter is not bilinear, or mean/std are unusable.</exception>
    public static void Validate(PreprocessorConfig config, string source)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Height <= 0 || config.Width <= 0)
        {
            throw Invalid(source, "size", $"{config.Height}x{config.Width}; both sides must be positive.");
        }

        if (config.DoResize && config.Resample != BilinearResample)
        {
            throw Invalid(source, "resample",
                $"{config.Resample}; only {BilinearResample} (PIL BILINEAR) is supported.");
        }

        if (config.DoRescale && (!(config.RescaleFactor > 0) || !double.IsFinite(config.RescaleFactor)))
        {
            throw Invalid(source, "rescale_factor", $"{config.RescaleFactor}; it must be a positive number.");
        }

        if (config.ImageMean.Count == 0 || config.ImageMean.Any(m => !float.IsFinite(m)))
        {
            throw Invalid(source, "image_mean", "empty or not finite; it needs one finite number per channel.");
        }

        if (config.ImageStd.Count != config.ImageMean.Count || config.ImageStd.Any(s => !(s > 0) || !float.IsFinite(s)))
        {
            throw Invalid(source, "image_std",
                $"[{string.Join(", ", config.ImageStd)}]; it needs one positive number per channel ({config.ImageMean.Count}, like image_mean).");
        }
    }

    /// <summary>
    /// <c>preprocessor_config.json</c> bytes as <c>ViTImageProcessor.save_pretrained</c> lays them out
    /// (sorted keys, two-space indent, <c>\n</c> line ends, size as height/width), deterministic.
    /// </summary>
    public static byte[] Serialize(PreprocessorConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("do_normalize", config.DoNormalize);
            writer.WriteBoolean("do_rescale", config.DoRescale);
            writer.WriteBoolean("do_resize", config.DoResize);
            WriteFloats(writer, "image_mean", config.ImageMean);
            writer.WriteString("image_processor_type", "ViTImageProcessor");
            WriteFloats(writer, "image_std", config.ImageStd);
            writer.WriteNumber("resample", config.Resample);
            writer.WriteNumber("rescale_factor", config.RescaleFactor);
            writer.WriteStartObject("size");
            writer.WriteNumber("height", config.Height);
            writer.WriteNumber("width", config.Width);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static (int Height, int Width) ReadSize(JsonFields fields, PreprocessorConfig defaults)
    {
        if (!fields.TryGet("size", out var size))
        {
            return (defaults.Height, defaults.Width);
        }

        if (size.ValueKind == JsonValueKind.Number)
        {
            var side = fields.Int("size", defaults.Height);
            return (side, side);
        }

        if (size.ValueKind != JsonValueKind.Object)
        {
            throw fields.WrongType("size", "an integer or an object with \"height\" and \"width\"", size);
        }

        if (size.TryGetProperty("shortest_edge", out _) || size.TryGetProperty("longest_edge", out _))
        {
            throw fields.Invalid("size",
                "gives shortest_edge/longest_edge (aspect-preserving resize), which is not supported; give {\"height\": H, \"width\": W}.");
        }

        return (SizeSide(fields, size, "height"), SizeSide(fields, size, "width"));
    }

    private static int SizeSide(JsonFields fields, JsonElement size, string side)
    {
        if (!size.TryGetProperty(side, out var value))
        {
            throw fields.Invalid("size", $"has no \"{side}\"; it needs both \"height\" and \"width\".");
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var result)
            ? result
            : throw fields.WrongType($"size.{side}", "an integer", value);
    }

    private static void WriteFloats(Utf8JsonWriter writer, string name, IReadOnlyList<float> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
    }

    private static InvalidCheckpointException Invalid(string source, string field, string problem) =>
        new($"{source}: field '{field}' is {problem}", source, field);
}
