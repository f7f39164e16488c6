package dev.arbiter.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RoleTests {

  @Test
  void shouldReadRoleNamesCaseInsensitively() {
    assertThat(Role.fromString("admin")).isEqualTo(Role.ADMIN);
    assertThat(Role.fromString("Editor")).isEqualTo(Role.EDITOR);
    assertThat(Role.fromString("VIEWER")).isEqualTo(Role.VIEWER);
    assertThat(Role.fromString("decision")).isEqualTo(Role.DECISION);
    assertThat(Role.DECISION.wireName()).isEqualTo("decision");
  }

  @Test
  void shouldNameTheValidRolesWhenTheNameIsUnknown() {
    assertThatThrownBy(() -> Role.fromString("owner"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Expected a role admin|editor|viewer|decision, but got 'owner'");
    assertThatThrownBy(() -> Role.fromString(null)).hasMessageEndingWith("but got null");
  }

  @Test
  void shouldGrantAdminEverything() {
    assertThat(Role.ADMIN)
        .returns(true, Role::canRead)
        .returns(true, Role::canWriteCatalog)
        .returns(true, Role::canAdminister)
        .returns(true, Role::canDecide);
  }

  @Test
  void shouldLetEditorsWriteTheCatalogAndTryDecisionsButNotAdminister() {
    assertThat(Role.EDITOR)
        .returns(true, Role::canRead)
        .returns(true, Role::canWriteCatalog)
        .returns(false, Role::canAdminister)
        .returns(true, Role::canDecide);
  }

  @Test
  void shouldLetViewersOnlyRead() {
    assertThat(Role.VIEWER)
        .returns(true, Role::canRead)
        .returns(false, Role::canWriteCatalog)
        .returns(false, Role::canAdminister)
        .returns(false, Role::canDecide);
  }

  @Test
  void shouldLetChannelCallersOnlyDecideAndNotReadTheCatalog() {
    assertThat(Role.DECISION)
        .returns(false, Role::canRead)
        .returns(false, Role::canWriteCatalog)
        .returns(false, Role::canAdminister)
        .returns(true, Role::canDecide);
  }
}
