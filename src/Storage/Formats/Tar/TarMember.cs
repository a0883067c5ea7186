namespace Mae.Cluster.Storage.Formats;

/// <summary>One member of a tar archive, with PAX and GNU long-name extensions already applied.</summary>
/// <param name="Name">The member path as stored (decoded as UTF-8; not sanitised).</param>
/// <param name="Kind">What the member is.</param>
/// <param name="TypeFlag">The raw type flag, for messages about unusual members.</param>
/// <param name="Size">Bytes of data that follow the header (0 for header-only kinds such as links).</param>
/// <param name="LinkTarget">Target of a symbolic or hard link, else null.</param>
/// <param name="HeaderOffset">Offset of the member's own header in the tar stream.</param>
internal sealed record TarMember(string Name, TarMemberKind Kind, char TypeFlag, long Size, string? LinkTarget, long HeaderOffset);
