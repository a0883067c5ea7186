namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>Reads and cross-checks the three files of a Hugging Face ViT-MAE checkpoint directory.</summary>
internal static class MaeCheckpointLoader
{
    // How many missing tensor names one message lists before it only counts the rest.
    private const int MissingNamesShown = 8;

    public static MaeCheckpoint Load(string directory, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var fullDirectory = Path.GetFullPath(directory);
        if (!Directory.Exists(fullDirectory))
        {
            throw new InvalidCheckpointException($"Checkpoint directory '{fullDirectory}' does not exist.", fullDirectory, null);
        }

        var configPath = Path.Combine(fullDirectory, MaeConfigJson.FileName);
        var preprocessorPath = Path.Combine(fullDirectory, PreprocessorConfigJson.FileName);
        var weightsPath = Path.Combine(fullDirectory, MaeCheckpoint.WeightsFileName);
        RequireFile(configPath, fullDirectory);
        RequireFile(weightsPath, fullDirectory);

        var config = MaeConfigJson.Read(configPath);
        var preprocessor = File.Exists(preprocessorPath)
            ? PreprocessorConfigJson.Read(preprocessorPath)
            : PreprocessorConfig.Default with { Height = config.ImageSize, Width = config.ImageSize };
        RequireConsistent(config, preprocessor, preprocessorPath);

        // The hash reads the whole weights file once more; it overlaps the tensor reads instead of following them.
        using var hashCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var hashTask = Task.Run(() => MaeCheckpointHash.Compute(fullDirectory, hashCancellation.Token), hashCancellation.Token);
        Dictionary<string, TensorData> tensors;
        try
        {
            tensors = ReadTensors(weightsPath, config, cancellationToken);
        }
        catch
        {
            // Stop hashing a checkpoint that is already refused, and wait so no read outlives this call.
            hashCancellation.Cancel();
            ((Task)hashTask).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
            throw;
        }

        var hash = hashTask.GetAwaiter().GetResult();

        return new MaeCheckpoint
        {
            Directory = fullDirectory,
            Config = config,
            Preprocessor = preprocessor,
            Tensors = tensors,
            Hash = hash,
        };
    }

    private static void RequireFile(string path, string directory)
    {
        if (!File.Exists(path))
        {
            throw new InvalidCheckpointException(
                $"Checkpoint directory '{directory}' has no {Path.GetFileName(path)}; a Hugging Face ViT-MAE checkpoint needs "
                + $"{MaeConfigJson.FileName} and {MaeCheckpoint.WeightsFileName}.", path, null);
        }
    }

    private static void RequireConsistent(MaeConfig config, PreprocessorConfig preprocessor, string preprocessorPath)
    {
        if (preprocessor.DoResize && (preprocessor.Height != config.ImageSize || preprocessor.Width != config.ImageSize))
        {
            throw new InvalidCheckpointException(
                $"{preprocessorPath}: field 'size' is {preprocessor.Height}x{preprocessor.Width}, but config.json's image_size is "
                + $"{config.ImageSize}; the model only takes {config.ImageSize}x{config.ImageSize} images.", preprocessorPath, "size");
        }

        if (preprocessor.ImageMean.Count != config.NumChannels)
        {
            throw new InvalidCheckpointException(
                $"{preprocessorPath}: field 'image_mean' has {preprocessor.ImageMean.Count} values, but config.json's num_channels is "
                + $"{config.NumChannels}.", preprocessorPath, "image_mean");
        }
    }

    private static Dictionary<string, TensorData> ReadTensors(string weightsPath, MaeConfig config, CancellationToken cancellationToken)
    {
        using var reader = SafetensorsReader.Open(weightsPath);
        var expected = MaeCheckpointLayout.ExpectedTensors(config);
        RequireAllPresent(reader, expected);

        var tensors = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        foreach (var spec in expected)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = reader.Tensors[spec.Name];
            if (!info.Shape.SequenceEqual(spec.Shape))
            {
                throw new InvalidCheckpointException(
                    $"{weightsPath}: tensor '{spec.Name}' has shape [{string.Join(", ", info.Shape)}], but config.json implies "
                    + $"{spec.ShapeText}.", weightsPath, spec.Name);
            }

            tensors.Add(spec.Name, new TensorData(spec.Name, spec.Shape, reader.ReadValues(info)));
        }

        return tensors;
    }

    private static void RequireAllPresent(SafetensorsReader reader, IReadOnlyList<ExpectedTensor> expected)
    {
        var missing = expected.Where(spec => !reader.Contains(spec.Name)).Select(spec => spec.Name).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var shown = string.Join(", ", missing.Take(MissingNamesShown).Select(name => $"'{name}'"));
        var more = missing.Count > MissingNamesShown ? $" and {missing.Count - MissingNamesShown} more" : "";
        throw new InvalidCheckpointException(
            $"{reader.Path} lacks tensor{(missing.Count == 1 ? "" : "s")} {shown}{more} that config.json implies.",
            reader.Path, missing[0]);
    }
}
