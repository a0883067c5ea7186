using System.Runtime.CompilerServices;

namespace Mae.Cluster.Storage.Formats;

/// <summary>
/// Reads WebDataset shards: tar archives (plain or gzip-compressed) in which consecutive members sharing a key
/// form a sample. The stream is read once, forward only, never seeked and never held whole; nothing is written
/// to disk, so member names are only ever data.
/// </summary>
/// <remarks>
/// Two channels for bad input. Per sample: a sample that cannot be used is yielded with
/// <see cref="WebDatasetSample.Error"/> set (truncated member, unsafe name, duplicate key, link, empty or
/// oversized image, no image). A member cut short by the end of the stream fails its sample and ends the
/// enumeration normally. A second image member of one sample is reported as a "duplicate key" failure as soon
/// as it is met, so it comes before the sample it duplicates. Per shard: when the input is not a tar, or a header is broken, every complete sample
/// read before the fault is yielded and then a <see cref="TarFormatException"/> is thrown, carrying how many
/// samples were yielded.
/// </remarks>
public static class WebDatasetReader
{
    /// <summary>Yields the samples of the tar in <paramref name="tar"/>, in archive order.</summary>
    /// <param name="tar">The shard, positioned at its start; it is read to the tar's end marker and not disposed.</param>
    /// <param name="options">Limits; null for the defaults.</param>
    /// <param name="cancellationToken">Stops reading between reads.</param>
    /// <exception cref="TarFormatException">The input is not a tar, or its structure is broken (thrown after the good samples).</exception>
    public static async IAsyncEnumerable<WebDatasetSample> ReadSamplesAsync(
        Stream tar,
        WebDatasetReadOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tar);
        options ??= new WebDatasetReadOptions();
        options.Validate();
        if (!tar.CanRead)
        {
            throw new ArgumentException("The tar stream must be readable.", nameof(tar));
        }

        var context = new WebDatasetReadContext(options);
        await using var archive = await TarArchiveReader.OpenAsync(tar, options.MaxHeaderExtensionBytes, cancellationToken).ConfigureAwait(false);
        var yielded = 0;
        SampleAssembler? current = null;
        CorruptTarException? fault = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (member, headerFault) = await TryNextMemberAsync(archive, cancellationToken).ConfigureAwait(false);
            if (headerFault is not null)
            {
                fault = headerFault;
                break;
            }

            if (member is null)
            {
                break;
            }

            if (!BelongsToSample(member, context, out var rawKey, out var extension))
            {
                var dataFault = await TrySkipAsync(archive, member, cancellationToken).ConfigureAwait(false);
                if (dataFault is not null)
                {
                    fault = dataFault;
                    break;
                }

                continue;
            }

            if (current is null || current.RawKey != rawKey)
            {
                if (current is not null)
                {
                    yield return current.Complete();
                    yielded++;
                }

                current = SampleAssembler.Start(rawKey, context);
            }

            var (extraImageFailure, memberFault) = await TryAddAsync(current, member, extension, archive, cancellationToken).ConfigureAwait(false);
            if (memberFault is not null)
            {
                fault = memberFault;
                break;
            }

            if (extraImageFailure is not null)
            {
                yield return extraImageFailure;
                yielded++;
            }

            if (archive.CurrentTruncated)
            {
                current.MarkTruncated(member, archive.CurrentDataDelivered);
                break;
            }
        }

        if (current is not null)
        {
            yield return current.Complete();
            yielded++;
        }

        if (fault is not null)
        {
            var source = options.SourceName is null ? string.Empty : options.SourceName + ": ";
            throw new TarFormatException(
                $"{source}{fault.Message} ({yielded} samples were read before it)", fault.ByteOffset, yielded, fault);
        }
    }

    /// <summary>
    /// Regular files with a WebDataset key join samples; links and other odd members join only when they carry an
    /// image extension (so they are reported); directories, devices and FIFOs never do.
    /// </summary>
    private static bool BelongsToSample(TarMember member, WebDatasetReadContext context, out string rawKey, out string extension)
    {
        if (member.Kind is TarMemberKind.Directory or TarMemberKind.CharacterDevice or TarMemberKind.BlockDevice or TarMemberKind.Fifo
            || !WebDatasetNames.TrySplit(member.Name, out rawKey, out extension))
        {
            rawKey = string.Empty;
            extension = string.Empty;
            return false;
        }

        return member.Kind == TarMemberKind.RegularFile || context.IsImageExtension(extension);
    }

    private static async ValueTask<(TarMember? Member, CorruptTarException? Fault)> TryNextMemberAsync(TarArchiveReader archive, CancellationToken cancellationToken)
    {
        try
        {
            return (await archive.NextMemberAsync(cancellationToken).ConfigureAwait(false), null);
        }
        catch (CorruptTarException e)
        {
            return (null, e);
        }
    }

    private static async ValueTask<CorruptTarException?> TrySkipAsync(TarArchiveReader archive, TarMember member, CancellationToken cancellationToken)
    {
        try
        {
            if (await archive.SkipDataAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            // A member outside every sample has no sample to carry the truncation: it is a shard-level fault.
            return new CorruptTarException(
                $"truncated tar: member {WebDatasetNames.Printable(member.Name)} ends after {archive.CurrentDataDelivered} of {member.Size} bytes",
                member.HeaderOffset);
        }
        catch (CorruptTarException e)
        {
            return e;
        }
    }

    private static async ValueTask<(WebDatasetSample? ExtraImageFailure, CorruptTarException? Fault)> TryAddAsync(
        SampleAssembler sample, TarMember member, string extension, TarArchiveReader archive, CancellationToken cancellationToken)
    {
        try
        {
            return (await sample.AddMemberAsync(member, extension, archive, cancellationToken).ConfigureAwait(false), null);
        }
        catch (CorruptTarException e)
        {
            return (null, e);
        }
    }
}
