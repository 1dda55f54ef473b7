import pytest
from django.core.exceptions import ValidationError

from gongkai.accounts.models import User


def test_a_username_may_not_look_like_a_mobile_number(db):
    user = User(username="13912345678", display_name="甲")
    with pytest.raises(ValidationError) as excinfo:
        user.full_clean()
    assert excinfo.value.message_dict["username"] == [
        "用户名不能是手机号：登录时用户名和手机号都可使用。"
    ]


def test_a_username_equal_to_ones_own_mobile_is_fine(db):
    User(username="13912345678", mobile="13912345678", display_name="甲", password="x").full_clean()


def test_a_mobile_number_may_not_be_someone_elses_username(db):
    User.objects.create_user(
        username="13912345678", password="x", display_name="甲", mobile="13912345678"
    )
    other = User(username="yi", mobile="13912345678", display_name="乙", password="x")
    with pytest.raises(ValidationError) as excinfo:
        other.full_clean()
    assert "mobile" in excinfo.value.message_dict
