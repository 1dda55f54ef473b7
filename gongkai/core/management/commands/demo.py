from django.core.management.base import BaseCommand

from gongkai.core.demo import ACCOUNTS, DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo town (idempotent); --accounts prints the demo sign-ins."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--accounts", action="store_true", help="only print the demo accounts")

    def handle(self, *args, accounts: bool = False, **options):  # type: ignore[no-untyped-def]
        if not accounts:
            load_demo()
            self.stdout.write(
                "演示数据已就绪：云岭县委 › 青石镇党委 › 15个村党支部和1个社区党支部。"
            )
            return
        self.stdout.write(f"演示账号（用户名或手机号均可登录），密码均为：{DEMO_PASSWORD}")
        labels = {
            "clerk": "经办人",
            "reviewer": "审核人（支部书记）",
            "superior": "上级审核人（镇党委书记）",
            "member": "党员",
            "supervisor": "监督员",
            "office": "镇领导小组办公室",
            "admin": "系统管理员",
        }
        for account in ACCOUNTS:
            self.stdout.write(
                f"  {labels[account.username]:<16} 用户名 {account.username:<11} 手机 {account.mobile}  {account.display_name}"
            )
